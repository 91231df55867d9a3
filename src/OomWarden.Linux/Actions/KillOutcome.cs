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
