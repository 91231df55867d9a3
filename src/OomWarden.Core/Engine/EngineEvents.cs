using OomWarden.Core.Decisions;
using OomWarden.Core.Detection;

namespace OomWarden.Core.Engine;

/// <summary>Something the daemon did or saw. The journal, the log and (next) subscribers, status and metrics all
/// read these; nothing else writes the daemon's outputs. Allocated only when something happens, never per tick.</summary>
public abstract record EngineEvent(DateTimeOffset Time);

/// <summary>A domain moved from one level to another.</summary>
public sealed record LevelChanged(DateTimeOffset Time, WatchedDomain Domain, PressureLevel From, PressureLevel To) : EngineEvent(Time);

/// <summary>A domain's graded warning level changed (config <c>[levels]</c>); <paramref name="AvailableBytes"/> is the
/// domain's own figure at the change.</summary>
/// <remarks>Published on each change and again at most every <c>repeat</c> while a level holds: a repeat has
/// <see cref="From"/> == <see cref="To"/>.</remarks>
public sealed record WarningChanged(DateTimeOffset Time, WatchedDomain Domain, WarningLevel From, WarningLevel To, long AvailableBytes) : EngineEvent(Time)
{
    /// <summary>Which conditions held, with the figures ("available 1.2 GiB &lt;= 12% (2.9 GiB)").</summary>
    public string? Reason { get; init; }

    public bool IsRepeat => From == To;
}

/// <summary>The selector answered for a domain; <paramref name="Ahead"/> when prepared in the prepare band.</summary>
public sealed record Decided(DateTimeOffset Time, WatchedDomain Domain, Decision Decision, bool Ahead, double DecisionMs) : EngineEvent(Time);

/// <summary>A domain is short and its decision found nothing killable; the domain is left alone for a while.</summary>
public sealed record NothingToKill(DateTimeOffset Time, WatchedDomain Domain, Decision Decision, string Reason) : EngineEvent(Time);

/// <summary>Written ahead: a signal is about to be sent (or a cgroup killed). The journal appends and fsyncs its
/// <c>signal</c> record on this event, before the host acts.</summary>
public sealed record Signalling(DateTimeOffset Time, KillInFlight Kill, int Signal) : EngineEvent(Time);

/// <summary>The first signal reached the victim.</summary>
public sealed record Signalled(DateTimeOffset Time, KillInFlight Kill, int Signal) : EngineEvent(Time);

/// <summary>SIGTERM → SIGKILL: the grace ran out, or a domain counting on this kill reached its kill level.</summary>
public sealed record Escalated(DateTimeOffset Time, KillInFlight Kill, bool GraceOver) : EngineEvent(Time);

/// <summary>The victim was gone (or its pid named another process) before the first signal: nothing was sent.
/// <paramref name="SignalRecorded"/> when it went between the signal record and the signal (the record is to be closed).</summary>
public sealed record VictimVanished(DateTimeOffset Time, KillInFlight Kill, bool SignalRecorded) : EngineEvent(Time);

/// <summary>The victim exited (its pidfd turned readable), or a cgroup was killed as a unit.</summary>
public sealed record Exited(DateTimeOffset Time, KillInFlight Kill, TimeSpan AfterFirstSignal) : EngineEvent(Time);

/// <summary>Memory showed (or the settle time ran out): the kill is judged. The journal's <c>kill</c> record.</summary>
public sealed record Judged(DateTimeOffset Time, KillInFlight Kill, long FreedBytes, TimeSpan? ExitAfter) : EngineEvent(Time);

/// <summary>Dry run: the kill that would have been made.</summary>
public sealed record WouldKill(DateTimeOffset Time, KillInFlight Kill) : EngineEvent(Time);

public enum RecoveryOutcome
{
    /// <summary>Still alive with the same start time: the engine carries on with it.</summary>
    Finishing,

    /// <summary>Gone, or its pid now names another process: nothing to finish.</summary>
    Gone,

    /// <summary>Its grace ran out while its domain was no longer short: left alone.</summary>
    LeftAlone,
}

/// <summary>A signal sent by an earlier instance, found unfinished in the journal at start.</summary>
public sealed record Recovered(DateTimeOffset Time, KillInFlight Kill, RecoveryOutcome Outcome) : EngineEvent(Time);

/// <summary>An unfinished signal from the journal whose domain this instance does not watch.</summary>
public sealed record RecoveryDropped(DateTimeOffset Time, RecoveredSignal Signal, string Why) : EngineEvent(Time);

/// <summary>The kernel's own OOM killer ran (reported from the kernel log by the host), or, with
/// <see cref="WhileStopped"/>, a watched cgroup's kill counters moved while the daemon was not running.</summary>
/// <param name="Cgroup">The victim's cgroup (the report's task_memcg).</param>
/// <param name="Domain">The OOM memcg, or <c>system</c> when the limit was the machine's (or a cpuset's, a mempolicy's).</param>
public sealed record KernelKill(DateTimeOffset Time, int? Pid, string? Comm, string? Cgroup, string Domain, string? Constraint,
    string? TriggerComm, long? AnonRssKb) : EngineEvent(Time)
{
    public KernelKillKind Kind { get; init; } = Domain == "system" ? KernelKillKind.System : KernelKillKind.Memcg;

    /// <summary>One of the tasks a <c>memory.oom.group</c> kill took (the cgroup <see cref="OomGroupCgroup"/>).</summary>
    public bool OomGroup { get; init; }

    public string? OomGroupCgroup { get; init; }

    /// <summary>Counted at start from the cgroup's counters: the kernel killed while the daemon was stopped.</summary>
    public bool WhileStopped { get; init; }

    /// <summary>With <see cref="WhileStopped"/>: how the cgroup's counters moved (kills, local and hierarchical).</summary>
    public CgroupKillCounts? Counts { get; init; }

    /// <summary>The rest of the report as the kernel printed it (null when absent).</summary>
    public KernelKillReport? Report { get; init; }

    /// <summary>Set when this kill makes (or continues) a restart loop.</summary>
    public RestartLoop? RestartLoop { get; init; }
}

/// <summary>Parsed fields of a kernel OOM report, for the <c>kernel_kill</c> record.</summary>
public sealed record KernelKillReport(long? TriggerPid, string? GfpMask, int? Order, long? TotalVmKb, long? FileRssKb, long? ShmemRssKb,
    long? PageTablesKb, long? Uid, long? OomScoreAdj, long? MemcgUsageKb, long? MemcgLimitKb, string? Nodemask, string? Cpuset,
    string? MemsAllowed, double? UptimeSeconds);

/// <summary>A kill (<paramref name="Victim"/> names it) made a unit, cgroup or executable a restart loop, or kept it one.</summary>
public sealed record RestartLoopFlagged(DateTimeOffset Time, RestartLoop Loop, string Victim, bool ByKernel) : EngineEvent(Time);

/// <summary>A reading failed for a reason other than the expected race (a cgroup removed); the domain is skipped.</summary>
public sealed record ReadFailed(DateTimeOffset Time, string Domain, string What, string Error) : EngineEvent(Time);

/// <summary>A consumer of events (journal, log, later status and subscribers).</summary>
public interface IEventSink
{
    void Publish(EngineEvent e);
}
