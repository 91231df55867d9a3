namespace OomWarden.Linux.Processes;

/// <summary>Which files of /proc/PID a <see cref="ProcessReader.TryRead"/> opens besides stat (always read: identity,
/// comm, ppid, kernel-thread flag). Kernel threads skip everything but stat.</summary>
[Flags]
public enum ProcessReadOptions
{
    None = 0,

    /// <summary>status: uid, VmRSS, VmSwap, VmPTE (the kernel's badness footprint).</summary>
    Status = 1,

    /// <summary>statm: resident pages only (cheaper than status; used when Status is not asked for).</summary>
    Statm = 2,

    OomScoreAdj = 4,

    /// <summary>oom_score: the kernel's own 0..2000 score.</summary>
    OomScore = 8,

    /// <summary>cgroup: the memory-hierarchy path.</summary>
    Cgroup = 16,

    /// <summary>cmdline, NULs turned into spaces.</summary>
    CommandLine = 32,

    /// <summary>exe: readlinkat target.</summary>
    Exe = 64,

    /// <summary>What victim selection needs.</summary>
    Default = Status | OomScoreAdj | OomScore | Cgroup | CommandLine | Exe,
}
