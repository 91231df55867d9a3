namespace OomWarden.Linux.Parsing;

/// <summary>The fields of /proc/PID/status the daemon uses, in bytes. Kernel threads and zombies have no
/// Vm* lines: their figures are 0. <see cref="IsKernelThread"/> is null before 6.0 (no "Kthread:" line).
/// <see cref="MemsAllowedMask"/> is the NUMA nodes the process may allocate from (Mems_allowed_list), bit N for
/// node N; 0 when absent or when a node above 63 is listed (then it counts as "every node").
/// <see cref="KillPending"/>: SIGKILL is pending (SigPnd or ShdPnd), so the process is about to exit.</summary>
public readonly record struct ProcStatus(
    int Tgid,
    int ParentPid,
    int Uid,
    long VmRssBytes,
    long VmSwapBytes,
    long VmPteBytes,
    bool? IsKernelThread,
    ulong MemsAllowedMask = 0,
    bool KillPending = false);
