using OomWarden.Core.Decisions;
using OomWarden.Core.Model;

namespace OomWarden.Core.Snapshot;

/// <summary>A domain of a recorded snapshot, for <c>simulate</c>, <c>explain</c> on a file and tests.</summary>
/// <remarks>Built in one pass over the cgroups (parents come before children), without recursion and without
/// allocating parent paths, so 10^5 processes or a tree 20,000 levels deep cost time and memory in proportion.</remarks>
public sealed class SnapshotDomainView : IDomainView
{
    private readonly Dictionary<string, IReadOnlyList<ProcessSample>> _processes = new(StringComparer.Ordinal);

    /// <param name="domainPath">The domain's root cgroup; null for the snapshot's own domain (or the system).</param>
    /// <exception cref="ArgumentException">The domain is not a cgroup of the snapshot.</exception>
    public SnapshotDomainView(SnapshotDocument snapshot, string? domainPath = null)
    {
        Snapshot = snapshot;
        var nodes = BuildTree(snapshot, _processes);
        var treeRoot = nodes[snapshot.Cgroups[0].Path].Node;
        TreeRoot = treeRoot;
        string path = domainPath ?? snapshot.Domain ?? treeRoot.Path;
        Root = nodes.TryGetValue(path, out var entry)
            ? entry.Node
            : throw new ArgumentException($"the snapshot has no cgroup {path}", nameof(domainPath));
        Domain = path == "/" ? Domain.System : Domain.ForCgroup(path);
        DomainTotalBytes = TotalBytes(snapshot, Root.Path, nodes);
    }

    public SnapshotDocument Snapshot { get; }

    /// <summary>The root of the whole recorded tree (the domain may be below it).</summary>
    public CgroupNode TreeRoot { get; }

    public Domain Domain { get; }

    public CgroupNode Root { get; }

    public long DomainTotalBytes { get; }

    public long PageSizeBytes => Snapshot.PageSizeBytes;

    public IReadOnlyList<ProcessSample> ProcessesIn(CgroupNode cgroup) =>
        _processes.TryGetValue(cgroup.Path, out var list) ? list : [];

    /// <summary>The kernel's totalpages: RAM + swap for the system, the nearest limit at or above a memcg domain.</summary>
    private static long TotalBytes(SnapshotDocument snapshot, string rootPath, Dictionary<string, Entry> nodes)
    {
        long system = Saturating.Add(snapshot.Memory.MemTotalBytes, snapshot.Memory.SwapTotalBytes);
        if (rootPath == "/") return system;
        if (nodes[rootPath].Cgroup.LimitBytes is long own) return Math.Min(own, system > 0 ? system : own);
        // No limit of its own (a domain chosen by hand): the nearest limited ancestor, else the system.
        var lookup = nodes.GetAlternateLookup<ReadOnlySpan<char>>();
        var p = rootPath.AsSpan();
        while (true)
        {
            p = ParentPath(p);
            if (lookup.TryGetValue(p, out var ancestor) && ancestor.Cgroup.LimitBytes is long limit) return limit;
            if (p is "/") return system;
        }
    }

    public static string ParentPath(string path)
    {
        var parent = ParentPath(path.AsSpan());
        return parent.Length == path.Length ? path : parent.ToString();
    }

    /// <summary>"/a/b" → "/a", "/a" → "/", "/" → "/"; a slice of <paramref name="path"/> (no allocation).</summary>
    public static ReadOnlySpan<char> ParentPath(ReadOnlySpan<char> path)
    {
        if (path is "/") return path;
        int slash = path.LastIndexOf('/');
        return slash <= 0 ? "/" : path[..slash];
    }

    /// <summary>Every cgroup as a node, by path. The document was validated (<see cref="SnapshotReader"/>): paths are
    /// unique and every parent comes before its children, so one pass in document order builds the tree.</summary>
    private static Dictionary<string, Entry> BuildTree(
        SnapshotDocument snapshot, Dictionary<string, IReadOnlyList<ProcessSample>> processes)
    {
        var nodes = new Dictionary<string, Entry>(snapshot.Cgroups.Count, StringComparer.Ordinal);
        var lookup = nodes.GetAlternateLookup<ReadOnlySpan<char>>();
        for (int i = 0; i < snapshot.Cgroups.Count; i++)
        {
            var c = snapshot.Cgroups[i];
            var memory = new CgroupMemory(c.UsageBytes, c.LimitBytes ?? CgroupMemory.Unlimited, c.HighBytes ?? CgroupMemory.Unlimited,
                c.InactiveFileBytes, c.SwapBytes);
            var kids = new List<CgroupNode>();
            var node = new CgroupNode(c.Path, memory, kids);
            if (i > 0 && lookup.TryGetValue(ParentPath(c.Path.AsSpan()), out var parent)) parent.Children.Add(node);
            nodes[c.Path] = new Entry(c, node, kids);

            var list = new List<ProcessSample>(c.Processes.Count);
            foreach (var p in c.Processes) list.Add(ToSample(p, c.Path));
            processes[c.Path] = list;
        }
        return nodes;
    }

    private readonly record struct Entry(SnapshotCgroup Cgroup, CgroupNode Node, List<CgroupNode> Children);

    public static ProcessSample ToSample(SnapshotProcess p, string cgroupPath) => new()
    {
        Pid = p.Pid,
        ParentPid = p.ParentPid,
        StartTimeTicks = p.StartTimeTicks,
        Comm = p.Comm,
        ExePath = p.Exe,
        CommandLine = p.Cmdline,
        Uid = p.Uid,
        UserName = p.User,
        OomScoreAdj = p.OomScoreAdj ?? 0,
        OomScoreAdjUnreadable = p.OomScoreAdj is null,
        KernelOomScore = p.OomScore,
        RssBytes = p.RssBytes,
        SwapBytes = p.SwapBytes,
        PageTablesBytes = p.PageTablesBytes,
        CgroupPath = cgroupPath,
        IsKernelThread = p.KernelThread,
        Exiting = p.Exiting,
    };
}
