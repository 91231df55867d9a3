namespace OomWarden.Core.Model;

/// <summary>What the selector knows of one process, read once per decision.</summary>
/// <remarks>
/// <see cref="StartTimeTicks"/> (field 22 of /proc/PID/stat, in clock ticks since boot) together with
/// <see cref="Pid"/> names one process for its whole life; actions re-check it before signalling.
/// </remarks>
public sealed record ProcessSample
{
    public required int Pid { get; init; }
    public int ParentPid { get; init; }
    public ulong StartTimeTicks { get; init; }
    public required string Comm { get; init; }

    /// <summary>Target of /proc/PID/exe, null when unreadable (kernel thread, permission, gone).</summary>
    public string? ExePath { get; init; }

    /// <summary>/proc/PID/cmdline with NULs turned into spaces; null when empty or unread.</summary>
    public string? CommandLine { get; init; }

    public int Uid { get; init; } = -1;
    public string? UserName { get; init; }
    public int OomScoreAdj { get; init; }

    /// <summary>True when /proc/PID/oom_score_adj was read but could not be parsed (or was out of −1000..1000), or could
    /// not be read for another reason than the process's exit. The process may be −1000 ("never"), so it is
    /// hard-protected (<see cref="Decisions.HardProtection"/>); <see cref="OomScoreAdj"/> is then 0.</summary>
    public bool OomScoreAdjUnreadable { get; init; }

    /// <summary>The kernel's own /proc/PID/oom_score (0..2000), or -1 when not read.</summary>
    public int KernelOomScore { get; init; } = -1;

    public long RssBytes { get; init; }
    public long SwapBytes { get; init; }
    public long PageTablesBytes { get; init; }

    /// <summary>The cgroup path of the memory hierarchy (v2 "0::" line, or v1 "memory" line).</summary>
    public string CgroupPath { get; init; } = "/";

    public bool IsKernelThread { get; init; }

    /// <summary>Already on its way out: a zombie or dead task (stat state Z/X), PF_EXITING (the kernel is tearing
    /// it down), or SIGKILL pending. Killing it frees nothing more (<see cref="Decisions.FreesNothing"/>).</summary>
    public bool Exiting { get; init; }

    /// <summary>NUMA nodes the process may allocate from (bit N = node N); 0 = unknown or every node.</summary>
    public ulong MemsAllowedMask { get; init; }

    /// <summary>True when the process may allocate from at least one node of <paramref name="nodeMask"/>
    /// (the kernel's oom_cpuset_eligible()).</summary>
    public bool MayUseNodes(ulong nodeMask) => MemsAllowedMask == 0 || (MemsAllowedMask & nodeMask) != 0;

    /// <summary>The kernel's badness footprint: rss + swap + page tables, saturating (never wraps negative).</summary>
    public long FootprintBytes => Saturating.Add(RssBytes, SwapBytes, PageTablesBytes);
}
