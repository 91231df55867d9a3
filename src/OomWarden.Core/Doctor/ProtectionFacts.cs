namespace OomWarden.Core.Doctor;

/// <summary>What protects one oomwarden process from the kernel and from paging: the facts both the daemon (about
/// itself, at start) and <c>doctor</c> (about the running daemon) read from /proc/PID.</summary>
/// <param name="OomScoreAdj">/proc/PID/oom_score_adj; null when unreadable.</param>
/// <param name="LockedBytes">VmLck of /proc/PID/status; null when unreadable.</param>
/// <param name="MemlockLimitBytes">The soft RLIMIT_MEMLOCK ("Max locked memory" of /proc/PID/limits);
/// <see cref="long.MaxValue"/> for unlimited, null when unreadable.</param>
/// <param name="EffectiveCapabilities">CapEff of /proc/PID/status (bit N = capability N); null when unreadable.</param>
public sealed record ProtectionFacts(int? OomScoreAdj, long? LockedBytes, long? MemlockLimitBytes, ulong? EffectiveCapabilities)
{
    public const int CapDacOverride = 1;
    public const int CapDacReadSearch = 2;
    public const int CapKill = 5;
    public const int CapIpcLock = 14;
    public const int CapSysPtrace = 19;
    public const int CapSysResource = 24;

    public bool Has(int capability) => EffectiveCapabilities is { } caps && (caps & (1UL << capability)) != 0;
}
