namespace OomWarden.Core.Engine;

public enum CommandKind
{
    /// <summary>Run the selector over <see cref="EngineCommand.Domain"/>, then call <see cref="OomEngine.OnDecision"/>.</summary>
    Select,

    /// <summary>Open a pidfd on the kill's pid and check its start time, then call <see cref="OomEngine.OnVictimOpened"/>.</summary>
    OpenVictim,

    /// <summary>Send <see cref="EngineCommand.Signal"/> through the kill's pidfd (the signal record is already
    /// journaled), watch the pidfd for exit, then call <see cref="OomEngine.OnSignalSent"/>.</summary>
    Signal,

    /// <summary>process_mrelease through the kill's pidfd.</summary>
    ReleaseMemory,

    /// <summary>Kill the kill's cgroup as a unit, then call <see cref="OomEngine.OnCgroupKilled"/>.</summary>
    KillCgroup,

    /// <summary>The engine is done with the kill's pidfd: stop watching it and close it.</summary>
    CloseVictim,

    /// <summary>Ask the next subscriber of <see cref="EngineCommand.Domain"/> (lowest policy priority first, none of
    /// <see cref="Levels.ReleaseEpisode.AskedPids"/>) to release memory, measuring it and its domain first; then
    /// call <see cref="OomEngine.OnReleaseAsked"/>.</summary>
    AskRelease,

    /// <summary>The release's deadline: measure the subscriber and its domain again, then call
    /// <see cref="OomEngine.OnReleaseMeasured"/>.</summary>
    MeasureRelease,

    /// <summary>At low: rank the cgroups of <see cref="EngineCommand.Domain"/> that may be reclaimed from
    /// (<see cref="Decisions.ReclaimCandidates.Rank"/>), then call <see cref="OomEngine.OnReclaimCandidates"/>.</summary>
    RankReclaim,

    /// <summary>Write <see cref="EngineCommand.Reclaim"/>'s step to its cgroup's memory.reclaim off the loop,
    /// measuring memory.current and PSI before and after, then call <see cref="OomEngine.OnReclaimed"/>.</summary>
    Reclaim,
}

/// <summary>One thing for the host to do. A struct with references only: queuing it allocates nothing.</summary>
public readonly record struct EngineCommand(CommandKind Kind, WatchedDomain? Domain, KillInFlight? Kill, int Signal)
{
    /// <summary>The request of <see cref="CommandKind.AskRelease"/> and <see cref="CommandKind.MeasureRelease"/>.</summary>
    public Levels.ReleaseRequest? Release { get; init; }

    /// <summary>The step of <see cref="CommandKind.Reclaim"/>.</summary>
    public Levels.ReclaimStep? Reclaim { get; init; }
}
