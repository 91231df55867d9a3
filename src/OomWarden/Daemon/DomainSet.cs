using OomWarden.Core.Detection;
using OomWarden.Core.Engine;
using OomWarden.Core.Policy;
using OomWarden.Core.Settings;
using OomWarden.Linux;
using OomWarden.Linux.Domains;
using OomWarden.Linux.Loop;
using OomWarden.Linux.Readers;

namespace OomWarden.Daemon;

/// <summary>Every domain the daemon watches, as (pure domain, source) pairs: the system, one domain per NUMA node
/// (on machines with two or more), and every limited cgroup the include globs admit. Reading them all is the tick:
/// files opened once, 0 bytes allocated. A rescan re-lists the cgroups (keeping the sources of unchanged ones).</summary>
public sealed class DomainSet : IDisposable
{
    private readonly DaemonSettings _settings;
    private readonly LiveHost _host;
    private readonly EventLoop _loop;
    private readonly SelectionReaders _readers;
    private readonly long _prepareMargin;
    private readonly Glob[] _include;
    private readonly NodeMemoryReader? _nodeReader;
    private readonly SystemSource? _system;
    private readonly NodeSetSource[] _nodes;
    private readonly Dictionary<WatchedDomain, IDomainSource> _byDomain = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<string, CgroupSource> _rescanOld = new(StringComparer.Ordinal);
    private readonly List<string> _directories = [];
    private readonly Action _onWake;
    // Set by any kernel wake-up of a cgroup (threshold, memory.events, PSI trigger): the next read takes every domain.
    private bool _wokenByKernel;
    // Per entry of _all: the timestamp of its last read by ReadDue/ReadAll (0: not since the last rebuild).
    private long[] _readAt = [];
    // The first entries of _all (the system, the nodes) are read on every tick: one /proc read each.
    private int _alwaysRead;
    private readonly bool _armWakeups;
    private readonly List<CgroupSource> _unarmed = [];
    private TreeWatch? _treeWatch;
    private bool _treeWatchTried;
    private CgroupSource[] _cgroups = [];
    private IDomainSource[] _all = [];

    /// <param name="armWakeups">Register the kernel's wake-ups (inotify, cgroup thresholds); off for fixture trees.</param>
    public DomainSet(DaemonSettings settings, LiveHost host, HostPaths paths, EventLoop loop, IReadFailures? failures = null,
        bool armWakeups = true)
    {
        _armWakeups = armWakeups;
        _onWake = () => _wokenByKernel = true;
        _settings = settings;
        _host = host;
        _loop = loop;
        Failures = failures;
        _readers = new SelectionReaders(host.Tree, host.Processes);
        _prepareMargin = AdaptiveInterval.PrepareMarginBytes(settings.Monitor);
        _include = new Glob[settings.Cgroups.Include.Count];
        for (int i = 0; i < _include.Length; i++) _include[i] = Glob.Compile(settings.Cgroups.Include[i]);
        if (settings.System.Enabled)
        {
            _system = new SystemSource(new SystemDomain(settings.System, _prepareMargin), new MeminfoReader(paths), _readers,
                settings.Levels.UsesPsi() ? PressureReader.ForSystem(paths) : null);
            var nodes = new NodeMemoryReader(paths);
            if (nodes.Count > 1)
            {
                _nodeReader = nodes;
                // Each node gets its share of the prepare band, as each holds a share of the memory.
                _nodes = new NodeSetSource[nodes.Count];
                for (int i = 0; i < _nodes.Length; i++)
                    _nodes[i] = new NodeSetSource(new NodeSetDomain(1UL << nodes.NodeAt(i), settings.System, _prepareMargin / nodes.Count),
                        nodes, [i], _system, _readers);
            }
            else
            {
                nodes.Dispose();
                _nodes = [];
            }
        }
        else _nodes = [];
        Rebuild();
    }

    public IReadFailures? Failures { get; }

    public SystemSource? System => _system;

    public ReadOnlySpan<NodeSetSource> Nodes => _nodes;

    public ReadOnlySpan<CgroupSource> Cgroups => _cgroups;

    /// <summary>System first (nodes read the machine's figures from it), then nodes, then cgroups.</summary>
    public ReadOnlySpan<IDomainSource> All => _all;

    /// <summary>The domains of <see cref="All"/>, in its order (a new array each time).</summary>
    public WatchedDomain[] Domains
    {
        get
        {
            var domains = new WatchedDomain[_all.Length];
            for (int i = 0; i < domains.Length; i++) domains[i] = _all[i].Domain;
            return domains;
        }
    }

    /// <summary>The shortest distance to a term level after the last <see cref="ReadAll"/>, for the adaptive sleep.</summary>
    public long MinDistanceBytes { get; private set; } = long.MaxValue;

    public IDomainSource SourceOf(WatchedDomain domain) => _byDomain[domain];

    /// <summary>Reads every domain (at start, after recovery, at stop, and on every tick while a kill is in flight).
    /// <paramref name="now"/> (the loop's timestamp) starts each domain's unread time; 0 leaves them due.
    /// Allocates nothing.</summary>
    public void ReadAll(long now = 0) => Read(now, 0, all: true);

    /// <summary>The tick's reads while no kill is in flight: the system and the nodes, every cgroup the engine has
    /// business with (<see cref="WatchedDomain.NeedsEveryTick"/>), each other cgroup whose own interval is over (the
    /// time the worst fill rate needs to cover its distance to its term or next warning level), any that waits for
    /// an answer to the kernel (oom_delay), and all of them after a kernel wake-up. A small cgroup then costs one
    /// read per tick, not a read of every cgroup: on a node with a hundred pods, those far from their limits are
    /// read every few seconds. Allocates nothing.</summary>
    public void ReadDue(long now, long frequency) => Read(now, frequency, all: false);

    /// <summary>Until the first domain is due again after <paramref name="now"/> (zero when one already is): the loop's
    /// sleep from the domains. A domain read on this tick counts with its whole interval, so when every domain was read
    /// this is the adaptive interval of the nearest term level and warning level.</summary>
    public TimeSpan UntilNextRead(long now, long frequency)
    {
        var min = _settings.Monitor.MaxInterval;
        for (int i = 0; i < _all.Length; i++)
        {
            var d = _all[i].Domain;
            var interval = IntervalOf(d);
            var left = i < _alwaysRead || d.NeedsEveryTick ? interval
                : _readAt[i] == 0 ? TimeSpan.Zero   // new since the last rescan: read it now
                : interval - TimeSpan.FromSeconds((now - _readAt[i]) / (double)frequency);
            if (left < min) min = left;
        }
        return min < TimeSpan.Zero ? TimeSpan.Zero : min;
    }

    private void Read(long now, long frequency, bool all)
    {
        if (_wokenByKernel)
        {
            _wokenByKernel = false;
            all = true;
        }
        long min = long.MaxValue;
        for (int i = 0; i < _all.Length; i++)
        {
            var s = _all[i];
            if (all || i < _alwaysRead || _readAt[i] == 0 || s.Domain.NeedsEveryTick || IsDue(s, now - _readAt[i], frequency))
            {
                _readAt[i] = now;
                var r = s.Read();
                if (r == ReadResult.Ok) Failures?.Succeeded(s.Source);
                else if (r == ReadResult.Failed) Failures?.Failed(s.Source, s.LastError, s.Domain.Name);
                else Failures?.Forget(s.Source);
            }
            // Unread domains count with their last figures: the worst fill rate cannot have covered their distance yet.
            if (s.Domain.HasFigures && s.Domain.Reading.DistanceToTermBytes < min) min = s.Domain.Reading.DistanceToTermBytes;
        }
        MinDistanceBytes = min;
    }

    private bool IsDue(IDomainSource s, long unreadTicks, long frequency)
    {
        if (s is CgroupSource { Cgroup.OomWait: not null }) return true;
        return unreadTicks >= (long)(IntervalOf(s.Domain).TotalSeconds * frequency);
    }

    /// <summary>How long <paramref name="d"/> may go unread, from its last figures and warning distance.</summary>
    private TimeSpan IntervalOf(WatchedDomain d) => AdaptiveInterval.Next(d.Reading.DistanceToTermBytes, d.WarningDistanceBytes, _settings.Monitor);

    /// <summary>True when inotify reported a cgroup directory created or removed since the last rescan.</summary>
    public bool TreeChanged => _treeWatch?.Changed == true;

    /// <summary>Lists limited cgroups and (re)arms their wake-ups. True when the set of domains changed.</summary>
    public bool Rescan()
    {
        if (_treeWatch is not null) _treeWatch.Changed = false;
        if (!_settings.Cgroups.Enabled) return false;
        if (_armWakeups && _treeWatch is null && !_treeWatchTried)
        {
            _treeWatchTried = true;
            _treeWatch = TreeWatch.TryCreate(_loop);
        }
        _rescanOld.Clear();
        foreach (var c in _cgroups) _rescanOld[c.Cgroup.Path] = c;
        _directories.Clear();
        var limited = _host.ListLimitedCgroups(_treeWatch is null ? null : _directories);
        foreach (var dir in _directories) _treeWatch!.TryWatch(dir);
        var next = new List<CgroupSource>(limited.Count);
        bool changed = false;
        foreach (var lc in limited)
        {
            if (!Included(lc.Path)) continue;
            if (_rescanOld.Remove(lc.Path, out var existing) && existing.Cgroup.LimitBytes == lc.LimitBytes)
            {
                next.Add(existing);
                continue;
            }
            existing?.Dispose();
            changed = true;
            var domain = new CgroupDomain(lc.Path, lc.LimitBytes, _settings.Cgroups, _prepareMargin) { WarningHeadroomBytes = WarningHeadroom(lc.LimitBytes) };
            var source = CgroupSource.TryOpen(domain, lc.Directory, lc.Version, _readers, _settings.Levels.UsesPsi());
            if (source is null) continue;
            next.Add(source);  // its wake-up is armed by ArmPendingWakeups
            if (_armWakeups) _unarmed.Add(source);
        }
        foreach (var gone in _rescanOld.Values)
        {
            Failures?.Forget(gone.Source);
            gone.Dispose();
            changed = true;
        }
        _rescanOld.Clear();
        _cgroups = next.ToArray();
        if (changed) Rebuild();
        return changed;
    }

    /// <summary>Arms the kernel wake-ups of new cgroups for at most <paramref name="budget"/>: on cgroup v1 each
    /// registration waits for an RCU grace period (10–30 ms), so 1,000 new cgroups would stall the loop for seconds.
    /// Until armed, a cgroup is polled. True when some remain.</summary>
    public bool ArmPendingWakeups(TimeSpan budget)
    {
        long start = global::System.Diagnostics.Stopwatch.GetTimestamp();
        int done = 0;
        foreach (var c in _unarmed)
        {
            if (global::System.Diagnostics.Stopwatch.GetElapsedTime(start) >= budget) break;
            done++;
            if (!c.IsDisposed) c.TryArmWakeup(_loop, _settings.Cgroups, _prepareMargin, _onWake);
        }
        _unarmed.RemoveRange(0, done);
        return _unarmed.Count > 0;
    }

    private void Rebuild()
    {
        var all = new List<IDomainSource>();
        if (_system is not null) all.Add(_system);
        all.AddRange(_nodes);
        all.AddRange(_cgroups);
        _all = all.ToArray();
        _alwaysRead = (_system is null ? 0 : 1) + _nodes.Length;
        _readAt = new long[_all.Length];
        _byDomain.Clear();
        foreach (var s in _all) _byDomain[s.Domain] = s;
    }

    /// <summary>The loosest [levels] <c>available</c> of a cgroup of this limit (0 when levels are off).</summary>
    private long WarningHeadroom(long limitBytes)
    {
        var levels = _settings.Levels;
        if (!levels.Enabled) return 0;
        long max = 0;
        for (int l = 1; l <= 3; l++)
            if (levels.For(l).Available is { } t) max = Math.Max(max, t.ToBytes(limitBytes));
        return max;
    }

    private bool Included(string path)
    {
        if (_include.Length == 0) return true;
        foreach (var glob in _include)
            if (glob.IsMatch(path)) return true;
        return false;
    }

    public void Dispose()
    {
        foreach (var c in _cgroups) c.Dispose();
        _system?.Dispose();
        _nodeReader?.Dispose();
        _treeWatch?.Dispose();
    }
}

/// <summary>Where the tick reports reads that fail (the daemon's read-failure reporter).</summary>
public interface IReadFailures
{
    void Failed(string source, string? error, string domain);
    void Succeeded(string source);
    void Forget(string source);
}
