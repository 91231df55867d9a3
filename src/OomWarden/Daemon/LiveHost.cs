using OomWarden.Core.Decisions;
using OomWarden.Core.Model;
using OomWarden.Linux;
using OomWarden.Linux.Cgroups;
using OomWarden.Linux.Parsing;
using OomWarden.Linux.Processes;
using OomWarden.Linux.Readers;

namespace OomWarden.Daemon;

/// <summary>The real host under the configured roots: cgroup layout from mountinfo, the memory hierarchy,
/// processes by getdents64/openat.</summary>
public sealed class LiveHost : IHostAccess, IDisposable
{
    private readonly HostPaths _paths;
    private readonly CgroupTreeReader _tree;
    private readonly ProcessReader _processes;
    private readonly ProcessReader _killerProcesses;
    private readonly MeminfoReader _meminfo;
    private readonly NodeMemoryReader _nodes;

    private LiveHost(HostPaths paths, CgroupLayout layout)
    {
        _paths = paths;
        Layout = layout;
        _tree = new CgroupTreeReader(paths, layout);
        _processes = new ProcessReader(paths, layout.MemoryVersion);
        _meminfo = new MeminfoReader(paths);
        _nodes = new NodeMemoryReader(paths);
        // Its own reader: the killer runs on its own thread (CgroupKillWorker) and the readers keep buffers.
        _killerProcesses = new ProcessReader(paths, layout.MemoryVersion);
        CgroupKiller = new Linux.Actions.CgroupKiller(_killerProcesses);
    }

    public Linux.Actions.CgroupKiller CgroupKiller { get; }

    public static LiveHost Open(HostPaths paths)
    {
        if (!CgroupLayoutReader.TryRead(paths, out var layout, out string? error))
            throw new IOException(error ?? "cannot read the cgroup layout");
        return new LiveHost(paths, layout);
    }

    public CgroupLayout Layout { get; }

    public CgroupVersion MemoryVersion => Layout.MemoryVersion;

    public string PressureMemoryPath => _paths.PressureMemoryPath;

    public CgroupTreeReader Tree => _tree;

    public ProcessReader Processes => _processes;

    public IReadOnlyList<LimitedCgroup> ListLimitedCgroups(List<string>? allDirectories = null)
    {
        var list = new List<LimitedCgroup>();
        var tree = _tree.ReadTree("/");
        if (tree is null) return list;
        foreach (var node in tree.DescendantsAndSelf())
        {
            if (_tree.DirectoryOf(node.Path) is not { } dir) continue;
            allDirectories?.Add(dir);
            if (node.Memory.HasLimit) list.Add(new LimitedCgroup(node.Path, dir, Layout.MemoryVersion, node.Memory.LimitBytes));
        }
        return list;
    }

    public IDomainView OpenDomain(Domain domain)
    {
        IDomainView? view;
        if (domain.Kind == DomainKind.System)
        {
            _meminfo.TryRead(out var mem);
            view = LiveDomainView.ForSystem(_tree, _processes, mem);
        }
        else if (domain.Kind == DomainKind.Nodes)
        {
            // The kernel's cpuset-constrained totalpages: the nodes' memory plus swap.
            _meminfo.TryRead(out var mem);
            long total = mem.SwapTotalBytes;
            for (int i = 0; i < _nodes.Count; i++)
                if (_nodes.TryRead(i, out var n) && n.Node < 64 && (domain.NodeMask & (1UL << n.Node)) != 0) total += n.TotalBytes;
            ulong mask = domain.NodeMask;
            var root = _tree.ReadTree("/");
            view = root is null ? null : new LiveDomainView(domain, root, total, _tree, _processes, p => p.MayUseNodes(mask));
        }
        else
        {
            view = LiveDomainView.ForCgroup(domain.CgroupPath, _tree, _processes);
        }
        return view ?? new EmptyDomainView(domain);
    }

    public bool TryReadStartTime(int pid, out ulong startTimeTicks) => _processes.TryReadIdentity(pid, out startTimeTicks);

    public IReadOnlyList<int> ListPids(string cgroupPath) => _tree.ReadPids(cgroupPath);

    public string? CgroupDirectory(string cgroupPath) => _tree.DirectoryOf(cgroupPath);

    public void Dispose()
    {
        _processes.Dispose();
        _killerProcesses.Dispose();
        _meminfo.Dispose();
        _nodes.Dispose();
    }

    /// <summary>A domain that vanished between detection and decision: nothing to choose from.</summary>
    private sealed class EmptyDomainView(Domain domain) : IDomainView
    {
        public Domain Domain { get; } = domain;
        public CgroupNode Root { get; } = new(domain.CgroupPath, default, []);
        public long DomainTotalBytes => 0;
        public IReadOnlyList<ProcessSample> ProcessesIn(CgroupNode cgroup) => [];
    }
}
