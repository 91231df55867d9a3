using OomWarden.Core.Decisions;
using OomWarden.Core.Engine;
using OomWarden.Core.Model;
using OomWarden.Linux.Readers;

namespace OomWarden.Linux.Domains;

/// <summary>Some NUMA nodes: their /sys/devices/system/node/nodeN/meminfo (through the shared reader) and the
/// machine's figures (read just before by the system source). The selector sees the whole tree but only processes
/// whose Mems_allowed_list meets these nodes; totalpages is the nodes' memory plus swap (the kernel's cpuset rule).</summary>
public sealed class NodeSetSource : IDomainSource
{
    private readonly NodeMemoryReader _nodes;
    private readonly int[] _indices;
    private readonly NodeMemory[] _memory;
    private readonly SystemSource _machine;
    private readonly SelectionReaders _readers;

    /// <param name="indices">The reader's indices of this set's nodes.</param>
    public NodeSetSource(NodeSetDomain domain, NodeMemoryReader nodes, int[] indices, SystemSource machine, SelectionReaders readers)
    {
        Nodes = domain;
        _nodes = nodes;
        _indices = indices;
        _memory = new NodeMemory[indices.Length];
        _machine = machine;
        _readers = readers;
        var files = new string[indices.Length];
        for (int i = 0; i < files.Length; i++) files[i] = $"node{nodes.NodeAt(indices[i])}/meminfo";
        Source = string.Join(", ", files);
    }

    public string Source { get; }

    public NodeSetDomain Nodes { get; }

    public WatchedDomain Domain => Nodes;

    public string? LastError { get; private set; }

    public ReadResult Read()
    {
        for (int i = 0; i < _indices.Length; i++)
        {
            if (_nodes.TryRead(_indices[i], out _memory[i])) continue;
            LastError = $"node {_nodes.NodeAt(_indices[i])}: meminfo unreadable";
            Nodes.MarkUnreadable();
            return ReadResult.Failed;
        }
        LastError = null;
        Nodes.Update(_memory, _machine.System.Memory);
        return ReadResult.Ok;
    }

    public IDomainView OpenView()
    {
        long total = _machine.System.Memory.SwapTotalBytes;
        foreach (var m in _memory) total += m.TotalBytes;
        ulong mask = Nodes.NodeMask;
        var root = _readers.Tree.ReadTree("/");
        return root is null
            ? new EmptyDomainView(Nodes.Domain)
            : new LiveDomainView(Nodes.Domain, root, total, _readers.Tree, _readers.Processes, p => p.MayUseNodes(mask));
    }

    /// <summary>The node reader is shared: its owner disposes it.</summary>
    public void Dispose() { }
}
