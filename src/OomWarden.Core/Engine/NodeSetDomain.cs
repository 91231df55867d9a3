using OomWarden.Core.Detection;
using OomWarden.Core.Model;
using OomWarden.Core.Settings;

namespace OomWarden.Core.Engine;

/// <summary>Some NUMA nodes (usually one), judged on their own figures against the [system] levels: a
/// cpuset/mempolicy-confined shortage that machine-wide MemAvailable does not show. Only processes that may
/// allocate from these nodes are candidates, and only their kills count for it.</summary>
public sealed class NodeSetDomain : WatchedDomain
{
    private readonly SystemThresholds _system;
    private readonly long _prepareMarginBytes;
    private readonly int[] _nodes;
    private readonly NodeMemory[] _memory;
    private readonly LevelReading[] _readings;
    private readonly SystemThresholds?[] _thresholds;
    private MemoryInfo _machine;

    /// <param name="nodeMask">Bit N = node N.</param>
    /// <param name="prepareMarginBytes">The prepare band of each node (the daemon gives each node its share).</param>
    public NodeSetDomain(ulong nodeMask, SystemThresholds system, long prepareMarginBytes) : base(Model.Domain.ForNodes(nodeMask))
    {
        _system = system;
        _prepareMarginBytes = prepareMarginBytes;
        var nodes = new List<int>();
        for (int n = 0; n < 64; n++)
            if ((nodeMask & (1UL << n)) != 0) nodes.Add(n);
        _nodes = nodes.ToArray();
        _memory = new NodeMemory[_nodes.Length];
        _readings = new LevelReading[_nodes.Length];
        _thresholds = new SystemThresholds?[_nodes.Length];
    }

    public ulong NodeMask => Domain.NodeMask;

    public ReadOnlySpan<int> Nodes => _nodes;

    /// <summary>The nodes' free + inactive page cache, summed: what a kill here is judged by.</summary>
    public override long AvailableBytes
    {
        get
        {
            long sum = 0;
            foreach (var m in _memory) sum += m.AvailableBytes;
            return sum;
        }
    }

    public override long TotalBytes
    {
        get
        {
            long sum = 0;
            foreach (var m in _memory) sum += m.TotalBytes;
            return sum;
        }
    }

    public override int Specificity => 1;

    /// <summary>Takes this set's nodes out of <paramref name="nodes"/> (every node of the machine, any order) and
    /// evaluates: the level is the worst node's, the distance the shortest. Allocates nothing after the first call.</summary>
    public void Update(ReadOnlySpan<NodeMemory> nodes, in MemoryInfo machine)
    {
        _machine = machine;
        var level = PressureLevel.None;
        long distance = long.MaxValue;
        int seen = 0;
        for (int i = 0; i < _nodes.Length; i++)
        {
            foreach (var n in nodes)
            {
                if (n.Node != _nodes[i]) continue;
                _memory[i] = n;
                var t = _thresholds[i] ??= NodeEvaluator.ThresholdsFor(_system, n.TotalBytes, machine.MemTotalBytes);
                _readings[i] = NodeEvaluator.Evaluate(n, machine, t, _prepareMarginBytes);
                if (_readings[i].Level > level) level = _readings[i].Level;
                if (_readings[i].DistanceToTermBytes < distance) distance = _readings[i].DistanceToTermBytes;
                seen++;
                break;
            }
        }
        if (seen == 0)
        {
            MarkUnreadable();
            return;
        }
        Reading = new LevelReading(level, distance);
        HasFigures = true;
    }

    public override bool Covers(in KillTarget target)
        => target.MemsAllowedMask == 0 || (target.MemsAllowedMask & NodeMask) != 0;

    public override string Describe()
    {
        var parts = new List<string>();
        for (int i = 0; i < _nodes.Length; i++)
            parts.Add(NodeEvaluator.Describe(_memory[i], _machine, _system, _readings[i].Level));
        return string.Join("; ", parts)
            + $" (machine-wide MemAvailable {SizeFormat.FormatBytes(_machine.MemAvailableBytes)}); only processes that may use these nodes are candidates";
    }
}
