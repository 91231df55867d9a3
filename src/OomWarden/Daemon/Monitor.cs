using OomWarden.Core.Detection;
using OomWarden.Core.Model;
using OomWarden.Core.Settings;
using OomWarden.Linux.Readers;

namespace OomWarden.Daemon;

/// <summary>The monitoring tick: reads the system's and every watched cgroup's memory, evaluates each
/// domain, and says how long the daemon may sleep. Files are opened once; a tick allocates nothing.</summary>
public sealed class Monitor : IDisposable
{
    private readonly MeminfoReader _meminfo;
    private readonly NodeMemoryReader? _nodes;
    private readonly DaemonSettings _settings;
    private readonly long _prepareMargin;
    private readonly NodeMemory[] _nodeMemory;
    private readonly LevelReading[] _nodeReadings;
    private readonly SystemThresholds?[] _nodeThresholds;
    private readonly ReadFailureReporter? _failures;
    private readonly string[] _nodeSources;
    private WatchedCgroup[] _cgroups = [];

    /// <param name="nodes">NUMA nodes; watched only when there are two or more.</param>
    /// <param name="failures">Where read failures of the tick are counted and reported.</param>
    public Monitor(MeminfoReader meminfo, DaemonSettings settings, NodeMemoryReader? nodes = null, ReadFailureReporter? failures = null)
    {
        _meminfo = meminfo;
        _failures = failures;
        _settings = settings;
        _nodes = nodes is { Count: > 1 } ? nodes : null;
        _nodeMemory = new NodeMemory[_nodes?.Count ?? 0];
        _nodeReadings = new LevelReading[_nodeMemory.Length];
        _nodeThresholds = new SystemThresholds?[_nodeMemory.Length];
        _prepareMargin = AdaptiveInterval.PrepareMarginBytes(settings.Monitor);
        _nodeSources = new string[_nodeMemory.Length];
        for (int i = 0; i < _nodeSources.Length; i++) _nodeSources[i] = $"node{_nodes!.NodeAt(i)}/meminfo";
    }

    /// <summary>NUMA nodes watched as their own domains (0 on single-node machines).</summary>
    public int NodeCount => _nodeMemory.Length;

    public ReadOnlySpan<NodeMemory> NodeMemory => _nodeMemory;

    public ReadOnlySpan<LevelReading> NodeReadings => _nodeReadings;

    /// <summary>Nodes at or above <paramref name="level"/>, bit N = node N.</summary>
    public ulong NodeMask(PressureLevel level)
    {
        ulong mask = 0;
        for (int i = 0; i < _nodeReadings.Length; i++)
            if (_nodeReadings[i].Level >= level && _nodeMemory[i].Node < 64) mask |= 1UL << _nodeMemory[i].Node;
        return mask;
    }

    public long PrepareMarginBytes => _prepareMargin;

    public MemoryInfo Memory { get; private set; }

    public LevelReading System { get; private set; }

    public ReadOnlySpan<WatchedCgroup> Cgroups => _cgroups;

    /// <summary>The shortest distance to a term level across domains, for the adaptive sleep.</summary>
    public long MinDistanceBytes { get; private set; }

    /// <summary>The highest level seen in this tick.</summary>
    public PressureLevel MaxLevel { get; private set; }

    public void ReplaceCgroups(WatchedCgroup[] cgroups) => _cgroups = cgroups;

    /// <summary>A cgroup no longer watched: any read-failure episode of it ends silently.</summary>
    public void Forget(WatchedCgroup cgroup) => _failures?.Forget(cgroup.Path);

    public void Tick()
    {
        long minDistance = long.MaxValue;
        var maxLevel = PressureLevel.None;
        bool memOk = _meminfo.TryRead(out var mem);
        if (memOk)
        {
            Memory = mem;
            _failures?.Succeeded(_meminfo.Path);
        }
        else
        {
            _failures?.Failed(_meminfo.Path, _meminfo.LastError, "system");
        }
        if (_settings.System.Enabled && memOk)
        {
            System = SystemEvaluator.Evaluate(mem, _settings.System, _prepareMargin);
            minDistance = System.DistanceToTermBytes;
            maxLevel = System.Level;
        }
        else
        {
            System = new LevelReading(PressureLevel.None, long.MaxValue);
        }
        if (_nodes is not null && _settings.System.Enabled)
        {
            for (int i = 0; i < _nodeMemory.Length; i++)
            {
                if (!_nodes.TryRead(i, out _nodeMemory[i]))
                {
                    _failures?.Failed(_nodeSources[i], null, "node " + _nodes.NodeAt(i).ToString(global::System.Globalization.CultureInfo.InvariantCulture));
                    continue;
                }
                _failures?.Succeeded(_nodeSources[i]);
                var t = _nodeThresholds[i] ??= NodeEvaluator.ThresholdsFor(_settings.System, _nodeMemory[i].TotalBytes, Memory.MemTotalBytes);
                var r = NodeEvaluator.Evaluate(_nodeMemory[i], Memory, t, _prepareMargin / _nodeMemory.Length);
                _nodeReadings[i] = r;
                if (r.DistanceToTermBytes < minDistance) minDistance = r.DistanceToTermBytes;
                if (r.Level > maxLevel) maxLevel = r.Level;
            }
        }
        if (_settings.Cgroups.Enabled)
        {
            foreach (var c in _cgroups)
            {
                if (!c.Tick(_settings.Cgroups, _prepareMargin))
                {
                    if (c.IsGone) _failures?.Forget(c.Path);
                    else _failures?.Failed(c.Path, c.LastError, c.Path);
                    continue;
                }
                _failures?.Succeeded(c.Path);
                if (c.Reading.DistanceToTermBytes < minDistance) minDistance = c.Reading.DistanceToTermBytes;
                if (c.Reading.Level > maxLevel) maxLevel = c.Reading.Level;
            }
        }
        MinDistanceBytes = minDistance;
        MaxLevel = maxLevel;
    }

    /// <summary>Re-reads one domain and says whether it is at its kill level (escalation check while a
    /// victim is given its grace time).</summary>
    public bool IsAtKillLevel(WatchedCgroup? cgroup)
    {
        if (cgroup is null)
        {
            if (!_meminfo.TryRead(out var mem)) return false;
            Memory = mem;
            return SystemEvaluator.Evaluate(mem, _settings.System, _prepareMargin).Level == PressureLevel.Kill;
        }
        return cgroup.Tick(_settings.Cgroups, _prepareMargin) && cgroup.Reading.Level == PressureLevel.Kill;
    }

    /// <summary>Re-reads one domain: its level and what is left (MemAvailable, or limit − working set).</summary>
    public (PressureLevel Level, long AvailableBytes) Probe(WatchedCgroup? cgroup)
    {
        if (cgroup is null)
        {
            if (!_meminfo.TryRead(out var mem)) return (PressureLevel.None, 0);
            Memory = mem;
            return (SystemEvaluator.Evaluate(mem, _settings.System, _prepareMargin).Level, mem.MemAvailableBytes);
        }
        if (!cgroup.Tick(_settings.Cgroups, _prepareMargin)) return (PressureLevel.None, 0);
        return (cgroup.Reading.Level, cgroup.LimitBytes - cgroup.Last.WorkingSetBytes);
    }

    public void Dispose()
    {
        foreach (var c in _cgroups) c.Dispose();
        _meminfo.Dispose();
        _nodes?.Dispose();
    }
}
