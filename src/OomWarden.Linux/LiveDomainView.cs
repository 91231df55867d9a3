using OomWarden.Core.Decisions;
using OomWarden.Core.Model;
using OomWarden.Linux.Cgroups;
using OomWarden.Linux.Processes;

namespace OomWarden.Linux;

/// <summary>The live <see cref="IDomainView"/>: the cgroup subtree is read up front, processes only for the cgroups
/// the selector asks about (pids from cgroup.procs, each sampled by <see cref="ProcessReader"/>), cached for the
/// life of the view (one decision).</summary>
/// <remarks>
/// A process whose memory cgroup changed between cgroup.procs and its own /proc/PID/cgroup is left out (it is no
/// longer attached there), as are kernel threads unless <see cref="IncludeKernelThreads"/> is set. For the system
/// domain, the processes of the root are those in the root's cgroup.procs (v1 and v2 alike); with no memory
/// controller mounted, the root holds every process of ProcRoot.
/// </remarks>
public sealed class LiveDomainView : IDomainView
{
    private readonly CgroupTreeReader cgroups;
    private readonly ProcessReader processes;
    private readonly Func<ProcessSample, bool>? filter;
    private readonly Dictionary<string, IReadOnlyList<ProcessSample>> cache = new(StringComparer.Ordinal);
    private readonly List<int> pids = [];

    public LiveDomainView(Domain domain, CgroupNode root, long domainTotalBytes, CgroupTreeReader cgroups,
        ProcessReader processes, Func<ProcessSample, bool>? filter = null)
    {
        Domain = domain;
        Root = root;
        DomainTotalBytes = domainTotalBytes;
        this.cgroups = cgroups;
        this.processes = processes;
        this.filter = filter;
    }

    /// <summary>The whole machine: the tree from "/", DomainTotalBytes = MemTotal + SwapTotal.
    /// Null only when the memory hierarchy's root cannot be read.</summary>
    public static LiveDomainView? ForSystem(CgroupTreeReader cgroups, ProcessReader processes, MemoryInfo memory,
        Func<ProcessSample, bool>? filter = null)
    {
        var root = cgroups.ReadTree("/");
        return root is null
            ? null
            : new LiveDomainView(Domain.System, root, Saturating.Add(memory.MemTotalBytes, memory.SwapTotalBytes), cgroups, processes, filter);
    }

    /// <summary>A memory cgroup at its limit: its subtree, DomainTotalBytes = its limit. Null when the cgroup is gone
    /// or has no limit.</summary>
    public static LiveDomainView? ForCgroup(string cgroupPath, CgroupTreeReader cgroups, ProcessReader processes,
        Func<ProcessSample, bool>? filter = null)
    {
        var root = cgroups.ReadTree(cgroupPath);
        if (root is null || !root.Memory.HasLimit) return null;
        return new LiveDomainView(Domain.ForCgroup(root.Path), root, root.Memory.LimitBytes, cgroups, processes, filter);
    }

    public Domain Domain { get; }

    public CgroupNode Root { get; }

    public long DomainTotalBytes { get; }

    /// <summary>Files read per process; <see cref="ProcessReadOptions.Default"/> unless set.</summary>
    public ProcessReadOptions ReadOptions { get; init; } = ProcessReadOptions.Default;

    public bool IncludeKernelThreads { get; init; }

    public IReadOnlyList<ProcessSample> ProcessesIn(CgroupNode cgroup)
    {
        if (cache.TryGetValue(cgroup.Path, out var cached)) return cached;
        pids.Clear();
        var result = new List<ProcessSample>();
        if (cgroups.TryReadPids(cgroup.Path, pids))
        {
            bool checkCgroup = cgroups.HasMemoryController && (ReadOptions & ProcessReadOptions.Cgroup) != 0;
            foreach (int pid in pids)
            {
                if (!processes.TryRead(pid, ReadOptions, out var sample)) continue;
                if (sample.IsKernelThread && !IncludeKernelThreads) continue;
                if (checkCgroup && sample.CgroupPath != cgroup.Path) continue;
                if (filter is not null && !filter(sample)) continue;
                result.Add(sample);
            }
        }
        cache[cgroup.Path] = result;
        return result;
    }
}
