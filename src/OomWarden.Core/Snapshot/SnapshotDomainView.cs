using OomWarden.Core.Decisions;
using OomWarden.Core.Model;

namespace OomWarden.Core.Snapshot;

/// <summary>A domain of a recorded snapshot, for <c>simulate</c>, <c>explain</c> on a file and tests.</summary>
public sealed class SnapshotDomainView : IDomainView
{
    private readonly Dictionary<string, IReadOnlyList<ProcessSample>> _processes = new(StringComparer.Ordinal);

    /// <param name="domainPath">The domain's root cgroup; null for the snapshot's own domain (or the system).</param>
    /// <exception cref="ArgumentException">The domain is not a cgroup of the snapshot.</exception>
    public SnapshotDomainView(SnapshotDocument snapshot, string? domainPath = null)
    {
        Snapshot = snapshot;
        var treeRoot = BuildTree(snapshot, _processes);
        TreeRoot = treeRoot;
        string path = domainPath ?? snapshot.Domain ?? treeRoot.Path;
        Root = treeRoot.Find(path) ?? throw new ArgumentException($"the snapshot has no cgroup {path}", nameof(domainPath));
        Domain = path == "/" ? Domain.System : Domain.ForCgroup(path);
        DomainTotalBytes = TotalBytes(snapshot, Root);
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
    private static long TotalBytes(SnapshotDocument snapshot, CgroupNode root)
    {
        long system = snapshot.Memory.MemTotalBytes + snapshot.Memory.SwapTotalBytes;
        if (root.Path == "/") return system;
        foreach (var c in snapshot.Cgroups)
        {
            if (c.Path == root.Path && c.LimitBytes is long limit) return Math.Min(limit, system > 0 ? system : limit);
        }
        // No limit of its own (a domain chosen by hand): the nearest limited ancestor, else the system.
        for (string p = ParentPath(root.Path); ; p = ParentPath(p))
        {
            foreach (var c in snapshot.Cgroups)
            {
                if (c.Path == p && c.LimitBytes is long limit) return limit;
            }
            if (p == "/") return system;
        }
    }

    public static string ParentPath(string path)
    {
        if (path == "/") return "/";
        int slash = path.LastIndexOf('/');
        return slash <= 0 ? "/" : path[..slash];
    }

    private static CgroupNode BuildTree(SnapshotDocument snapshot, Dictionary<string, IReadOnlyList<ProcessSample>> processes)
    {
        var children = new Dictionary<string, List<SnapshotCgroup>>(StringComparer.Ordinal);
        for (int i = 1; i < snapshot.Cgroups.Count; i++)
        {
            var c = snapshot.Cgroups[i];
            string parent = ParentPath(c.Path);
            if (!children.TryGetValue(parent, out var list)) children[parent] = list = [];
            list.Add(c);
        }
        foreach (var c in snapshot.Cgroups)
        {
            var list = new List<ProcessSample>(c.Processes.Count);
            foreach (var p in c.Processes) list.Add(ToSample(p, c.Path));
            processes[c.Path] = list;
        }
        return Build(snapshot.Cgroups[0], children);
    }

    private static CgroupNode Build(SnapshotCgroup c, Dictionary<string, List<SnapshotCgroup>> children)
    {
        var kids = children.TryGetValue(c.Path, out var list) ? list.Select(k => Build(k, children)).ToList() : [];
        var memory = new CgroupMemory(c.UsageBytes, c.LimitBytes ?? CgroupMemory.Unlimited, c.HighBytes ?? CgroupMemory.Unlimited,
            c.InactiveFileBytes, c.SwapBytes);
        return new CgroupNode(c.Path, memory, kids);
    }

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
        OomScoreAdj = p.OomScoreAdj,
        KernelOomScore = p.OomScore,
        RssBytes = p.RssBytes,
        SwapBytes = p.SwapBytes,
        PageTablesBytes = p.PageTablesBytes,
        CgroupPath = cgroupPath,
        IsKernelThread = p.KernelThread,
    };
}
