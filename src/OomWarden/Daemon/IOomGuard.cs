namespace OomWarden.Daemon;

/// <summary>The daemon's side of the oom_delay guard (<see cref="OomGuardLink"/>; a fake in the unit tests).</summary>
public interface IOomGuard : IDisposable
{
    int Pid { get; }

    /// <summary>The guard restores everything after this long without a heartbeat (set when it starts).</summary>
    TimeSpan Timeout { get; }

    /// <summary>Why the pipe broke, once <see cref="Heartbeat"/> has returned false.</summary>
    string? ExitReason { get; }

    long NextHeartbeat { get; }

    /// <summary>Writes a heartbeat when one is due. False once the guard is gone.</summary>
    bool Heartbeat(long now);
}
