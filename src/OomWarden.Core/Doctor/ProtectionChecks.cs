using OomWarden.Core.Model;

namespace OomWarden.Core.Doctor;

/// <summary>The daemon's own protection: oom_score_adj −1000, its memory locked, a memlock limit that lets
/// mlockall succeed, and the capabilities it uses. The daemon runs these on itself after start-up (and logs each
/// warning); <c>doctor</c> runs them on the daemon it finds.</summary>
public static class ProtectionChecks
{
    /// <summary>Checks of a running oomwarden daemon (itself at start, or the one doctor found).</summary>
    /// <param name="mlockWanted">False when the daemon was told not to lock its memory (--no-mlock).</param>
    public static IReadOnlyList<Finding> OfDaemon(ProtectionFacts facts, bool mlockWanted = true) =>
    [
        OomScoreAdj(facts),
        Locked(facts, mlockWanted),
        Memlock(facts),
        Capabilities(facts, daemonRuns: true),
    ];

    /// <summary>Without a daemon: what one started with this process's limits and capabilities would get.</summary>
    public static IReadOnlyList<Finding> OfPlainProcess(ProtectionFacts facts) =>
    [
        Memlock(facts),
        Capabilities(facts, daemonRuns: false),
    ];

    public static Finding OomScoreAdj(ProtectionFacts facts) => facts.OomScoreAdj switch
    {
        null => Finding.Warn("oom_score_adj", "the daemon's oom_score_adj cannot be read",
            "without -1000 the kernel's OOM killer may pick oomwarden itself",
            "run doctor as root, or read /proc/PID/oom_score_adj of the daemon"),
        -1000 => Finding.Ok("oom_score_adj", "the daemon's oom_score_adj is -1000: the kernel never picks it"),
        int adj => Finding.Warn("oom_score_adj", $"the daemon's oom_score_adj is {adj}, not -1000",
            "the kernel's OOM killer may kill oomwarden, the one process meant to act first; lowering it needs CAP_SYS_RESOURCE",
            "OOMScoreAdjust=-1000 in the unit (deploy/oomwarden.service), or run the daemon as root"),
    };

    public static Finding Locked(ProtectionFacts facts, bool mlockWanted)
    {
        if (!mlockWanted) return Finding.Note("mlock", "the daemon runs with --no-mlock",
            "its pages can be reclaimed and must be read back from disk when memory is short, the moment it must act", "drop --no-mlock");
        return facts.LockedBytes switch
        {
            null => Finding.Warn("mlock", "the daemon's VmLck cannot be read", "an unlocked daemon stalls on page faults under pressure",
                "run doctor as root"),
            0 => Finding.Warn("mlock", "the daemon's memory is not locked (VmLck 0 B)",
                "mlockall failed (RLIMIT_MEMLOCK, no CAP_IPC_LOCK): its code can be evicted and must be read back from disk when memory is short",
                "LimitMEMLOCK=infinity and CAP_IPC_LOCK in the unit"),
            long bytes => Finding.Ok("mlock", $"the daemon's memory is locked (VmLck {SizeFormat.FormatBytes(bytes)}: the size of its locked mappings; locked on fault, only touched pages are resident)"),
        };
    }

    public static Finding Memlock(ProtectionFacts facts)
    {
        if (facts.Has(ProtectionFacts.CapIpcLock) && facts.MemlockLimitBytes != long.MaxValue)
            return Finding.Ok("memlock", $"RLIMIT_MEMLOCK is {Limit(facts.MemlockLimitBytes)}, but CAP_IPC_LOCK lifts it for mlockall");
        return facts.MemlockLimitBytes switch
        {
            null => Finding.Warn("memlock", "RLIMIT_MEMLOCK cannot be read", "mlockall needs an unlimited memlock limit or CAP_IPC_LOCK",
                "LimitMEMLOCK=infinity in the unit"),
            long.MaxValue => Finding.Ok("memlock", "RLIMIT_MEMLOCK is unlimited: mlockall can lock the daemon"),
            long limit => Finding.Warn("memlock", $"RLIMIT_MEMLOCK is {SizeFormat.FormatBytes(limit)} and CAP_IPC_LOCK is missing",
                "mlockall(MCL_CURRENT|MCL_FUTURE) fails with ENOMEM above the limit, so the daemon runs unlocked",
                "LimitMEMLOCK=infinity in the unit, or `ulimit -l unlimited` before `oomwarden run`"),
        };
    }

    /// <summary>CAP_SYS_RESOURCE: oom_score_adj −1000 and PSI trigger windows under 2 s; CAP_KILL: signals to other
    /// users' processes.</summary>
    public static Finding Capabilities(ProtectionFacts facts, bool daemonRuns)
    {
        string who = daemonRuns ? "the daemon" : "this process (a daemon started the same way)";
        if (facts.EffectiveCapabilities is null)
            return Finding.Warn("capabilities", $"the capabilities of {who} cannot be read", "", "run doctor as root");
        var missing = new List<string>();
        if (!facts.Has(ProtectionFacts.CapKill)) missing.Add("CAP_KILL (signals to other users' processes)");
        if (!facts.Has(ProtectionFacts.CapSysResource)) missing.Add("CAP_SYS_RESOURCE (oom_score_adj -1000, PSI windows under 2 s)");
        if (!facts.Has(ProtectionFacts.CapSysPtrace)) missing.Add("CAP_SYS_PTRACE (the exe of other users' processes)");
        // CAP_IPC_LOCK is not asked for: with LimitMEMLOCK=infinity mlockall needs none (the memlock check).
        if (missing.Count == 0) return Finding.Ok("capabilities", $"{who} has CAP_KILL, CAP_SYS_RESOURCE and CAP_SYS_PTRACE");
        var finding = Finding.Warn("capabilities", $"{who} lacks " + string.Join(", ", missing),
            "without CAP_SYS_RESOURCE an unprivileged PSI trigger needs a window that is a multiple of 2 s (the daemon then wakes up to 2 s late) and oom_score_adj cannot go below its current value; without CAP_KILL only its own user's processes can be signalled",
            "run it as root through deploy/oomwarden.service (its CapabilityBoundingSet= keeps exactly these)");
        // Without a daemon this predicts a `oomwarden run` from this shell: worth a note, not a failure.
        return daemonRuns ? finding : finding with { Status = FindingStatus.Note };
    }

    private static string Limit(long? bytes) => bytes switch
    {
        null => "unknown",
        long.MaxValue => "unlimited",
        long b => SizeFormat.FormatBytes(b),
    };
}
