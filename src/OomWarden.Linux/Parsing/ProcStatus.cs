namespace OomWarden.Linux.Parsing;

/// <summary>The fields of /proc/PID/status the daemon uses, in bytes. Kernel threads and zombies have no
/// Vm* lines: their figures are 0. <see cref="IsKernelThread"/> is null before 6.0 (no "Kthread:" line).</summary>
public readonly record struct ProcStatus(
    int Tgid,
    int ParentPid,
    int Uid,
    long VmRssBytes,
    long VmSwapBytes,
    long VmPteBytes,
    bool? IsKernelThread);
