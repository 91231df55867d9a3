namespace OomWarden.Linux.Actions;

public enum KillResult
{
    /// <summary>The victim exited after our signal(s).</summary>
    Exited,

    /// <summary>Signalled, but it had not exited when we stopped waiting.</summary>
    StillAlive,

    /// <summary>The pid was gone or named another process before we could signal: nothing sent.</summary>
    Vanished,

    /// <summary>The kernel refused (EPERM, ...): see the error.</summary>
    Failed,

    /// <summary>Dry run: nothing was sent.</summary>
    DryRun,
}

/// <summary>What happened to one victim.</summary>
/// <param name="LastSignal">The strongest signal actually sent (0 when none).</param>
/// <param name="Elapsed">From the first signal to exit (or to giving up).</param>
public readonly record struct KillOutcome(
    KillResult Result,
    int LastSignal,
    bool Escalated,
    bool MemoryReleased,
    TimeSpan Elapsed,
    string? Error);

/// <summary>What happened to a cgroup killed as a unit.</summary>
/// <param name="Result"><see cref="KillResult.Exited"/> only when cgroup.procs was read empty at the end;
/// <see cref="KillResult.StillAlive"/> when processes remain (<paramref name="Survivors"/>);
/// <see cref="KillResult.Vanished"/> when the cgroup was gone before anything was signalled;
/// <see cref="KillResult.Failed"/> when the kernel refused and nothing could be verified.</param>
/// <param name="Signalled">Processes sent SIGKILL (v1, and v2 without cgroup.kill), or listed when cgroup.kill was
/// written (v2).</param>
/// <param name="Survivors">Processes still in the cgroup when the killer gave up (0 when it emptied it).</param>
/// <param name="SurvivorPids">Up to 16 of them.</param>
/// <param name="PidfdFailures">pidfd_open (or /proc/PID) failures other than the process's exit, such as
/// EMFILE: those processes could not be signalled safely.</param>
/// <param name="NotMembers">Listed pids skipped because, once pinned by a pidfd, they were no longer in the
/// cgroup (moved out, or the pid was recycled).</param>
/// <param name="FdLimitHits">Times pidfds ran out (EMFILE/ENFILE) and the tasks held so far were killed early to
/// free them (the kill went on in batches).</param>
public readonly record struct CgroupKillOutcome(
    KillResult Result,
    int Signalled,
    int Survivors,
    IReadOnlyList<int> SurvivorPids,
    int PidfdFailures,
    int NotMembers,
    int FdLimitHits,
    TimeSpan Elapsed,
    string? Error)
{
    /// <summary>One line for the log and the journal's message: "2000 processes killed; 3 survivors (pids 1 2 3);
    /// pidfd_open failed 12 times (EMFILE ...)".</summary>
    public string Describe()
    {
        var parts = new List<string> { $"{Signalled} processes killed" };
        if (Survivors > 0)
            parts.Add($"{Survivors} survivor(s) (pids {string.Join(' ', SurvivorPids)}{(Survivors > SurvivorPids.Count ? " ..." : "")})");
        if (PidfdFailures > 0) parts.Add($"{PidfdFailures} process(es) could not be opened by pidfd");
        if (NotMembers > 0) parts.Add($"{NotMembers} pid(s) skipped: no longer in the cgroup");
        if (FdLimitHits > 0) parts.Add($"open files ran out {FdLimitHits} time(s) (RLIMIT_NOFILE): killed in batches");
        if (Error is not null) parts.Add(Error);
        return string.Join("; ", parts);
    }
}
