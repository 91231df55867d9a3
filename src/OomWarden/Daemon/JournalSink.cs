using OomWarden.Core.Engine;
using OomWarden.Core.Policy;

namespace OomWarden.Daemon;

/// <summary>The event journal's records, all made here from the bus. Write-ahead: a <c>signal</c> record (pid, start
/// time, signal, domain, rule, reason, signal_id) is appended and fsync'd on <see cref="Signalling"/>, before the host
/// sends anything; the <c>kill</c> record that judges it carries the same <c>signal_id</c>, and so do the records that
/// close it otherwise (<c>vanished</c>, <c>recovered</c>). Field names are a contract: added to, never renamed.</summary>
public sealed class JournalSink : IEventSink
{
    private readonly EventJournal _journal;
    private readonly bool _dryRun;

    public JournalSink(EventJournal journal, bool dryRun)
    {
        _journal = journal;
        _dryRun = dryRun;
    }

    public void Publish(EngineEvent e)
    {
        switch (e)
        {
            case Signalling s:
                _journal.Append(Victim(s.Kill, "signal", s.Time, s.Signal) with
                {
                    StartTimeTicks = s.Kill.WholeCgroup ? null : s.Kill.StartTimeTicks,
                    GraceMs = s.Kill.WholeCgroup ? null : s.Kill.Grace.TotalMilliseconds,
                }, sync: true);
                break;
            case Judged j:
                _journal.Append(WithLoop(Victim(j.Kill, "kill", j.Time, j.Kill.LastSignal == 0 ? j.Kill.FirstSignal : j.Kill.LastSignal), j.Kill.RestartLoop) with
                {
                    FreedBytes = j.FreedBytes,
                    ExitMs = j.ExitAfter?.TotalMilliseconds,
                    Result = j.Kill.Result,
                    Escalated = j.Kill.WholeCgroup ? null : j.Kill.Escalated,
                    DecisionMs = j.Kill.DecisionMs,
                    Message = j.Kill.Message,
                    Survivors = j.Kill.WholeCgroup ? j.Kill.Survivors : null,
                }, sync: true);
                break;
            case WouldKill w:
                _journal.Append(Victim(w.Kill, "kill", w.Time, w.Kill.FirstSignal) with
                {
                    DryRun = true,
                    Result = "dry_run",
                    DecisionMs = w.Kill.DecisionMs,
                    SignalId = null,
                }, sync: true);
                break;
            case NothingToKill n:
                _journal.Append(new KillEvent
                {
                    Event = "nothing_to_kill",
                    Time = n.Time,
                    Domain = n.Domain.Name,
                    Reason = n.Reason,
                    Message = n.Decision.Summary,
                    DryRun = _dryRun,
                }, sync: false);
                break;
            case VictimVanished { SignalRecorded: true } v:
                // Gone between the signal record and the signal: close the record.
                _journal.Append(new KillEvent { Event = "vanished", Time = v.Time, SignalId = v.Kill.SignalId, Pid = v.Kill.Pid, Comm = v.Kill.Comm, Domain = v.Kill.Domain.Name }, sync: true);
                break;
            case Recovered r:
                _journal.Append(new KillEvent
                {
                    Event = "recovered",
                    Time = r.Time,
                    SignalId = r.Kill.SignalId,
                    Pid = r.Kill.Pid,
                    Comm = r.Kill.Comm,
                    Domain = r.Kill.Domain.Name,
                    Result = r.Outcome switch { RecoveryOutcome.Finishing => "finishing", RecoveryOutcome.Gone => "gone", _ => "left_alone" },
                }, sync: r.Outcome != RecoveryOutcome.Finishing);
                break;
            case RecoveryDropped d:
                _journal.Append(new KillEvent
                {
                    Event = "recovered",
                    Time = d.Time,
                    SignalId = d.Signal.SignalId,
                    Pid = d.Signal.Pid,
                    Comm = d.Signal.Comm,
                    Domain = d.Signal.Domain,
                    Result = "dropped",
                    Message = d.Why,
                }, sync: true);
                break;
            case WarningChanged { IsRepeat: false } w:
                _journal.Append(new KillEvent
                {
                    Event = "level",
                    Time = w.Time,
                    Domain = w.Domain.Name,
                    Level = Core.Levels.LevelMachine.Name(w.To),
                    Previous = Core.Levels.LevelMachine.Name(w.From),
                    AvailableBytes = w.AvailableBytes,
                    Reason = w.Reason,
                    DryRun = _dryRun,
                }, sync: false);
                break;
            case ReleaseMeasured r:
                _journal.Append(new KillEvent
                {
                    Event = "release",
                    Time = r.Time,
                    ReleaseId = r.Request.Id,
                    Domain = r.Request.Domain.Name,
                    Pid = r.Request.Pid,
                    Cgroup = r.Request.Cgroup,
                    Priority = r.Request.Priority,
                    RequestedBytes = r.Request.TargetBytes,
                    FreedBytes = r.Request.FreedBytes,
                    DomainFreedBytes = r.Request.DomainFreedBytes,
                    FootprintBytes = r.Request.SubscriberBytesAfter,
                    Result = r.Request.Gone ? "gone" : r.Request.Answered ? "answered" : "no_answer",
                    Message = r.StillShort ? "still at medium or worse: escalating" : null,
                    DryRun = _dryRun,
                }, sync: false);
                break;
            case ReclaimStepped r:
                _journal.Append(ReclaimRecord.Of(r, _dryRun), sync: false);
                break;
            case KernelKill k:
                _journal.Append(WithLoop(new KillEvent
                {
                    Event = "kernel_kill",
                    Time = k.Time,
                    Pid = k.Pid,
                    Comm = k.Comm,
                    Cgroup = k.Cgroup,
                    Domain = k.Domain,
                    Reason = k.Constraint,
                    Message = k.WhileStopped ? "counted at start: the cgroup's kill counters moved while the daemon was stopped"
                        : k.TriggerComm is null ? null : "triggered by " + k.TriggerComm,
                    Kind = KernelKillKinds.Name(k.Kind),
                    OomGroup = k.WhileStopped ? null : k.OomGroup,
                    OomGroupCgroup = k.OomGroupCgroup,
                    WhileStopped = k.WhileStopped,
                    Kills = k.Counts?.Local,
                    KillsHierarchical = k.Counts?.Hierarchical,
                    OomGroupKills = k.Counts?.GroupKills,
                    TriggerComm = k.TriggerComm,
                    TriggerPid = k.Report?.TriggerPid,
                    GfpMask = k.Report?.GfpMask,
                    Order = k.Report?.Order,
                    TotalVmKb = k.Report?.TotalVmKb,
                    AnonRssKb = k.AnonRssKb,
                    FileRssKb = k.Report?.FileRssKb,
                    ShmemRssKb = k.Report?.ShmemRssKb,
                    PageTablesKb = k.Report?.PageTablesKb,
                    Uid = k.Report?.Uid,
                    OomScoreAdj = k.Report?.OomScoreAdj,
                    MemcgUsageKb = k.Report?.MemcgUsageKb,
                    MemcgLimitKb = k.Report?.MemcgLimitKb,
                    Nodemask = k.Report?.Nodemask,
                    Cpuset = k.Report?.Cpuset,
                    MemsAllowed = k.Report?.MemsAllowed,
                    UptimeS = k.Report?.UptimeSeconds,
                }, k.RestartLoop), sync: true);
                break;
        }
    }

    private static KillEvent WithLoop(KillEvent e, RestartLoop? loop) => loop is null ? e : e with
    {
        RestartLoop = true,
        LoopKills = loop.Kills,
        LoopKey = loop.Key,
        LoopName = loop.Name,
        Unit = loop.Unit,
    };

    private static KillEvent Victim(KillInFlight k, string kind, DateTimeOffset time, int signal) => new()
    {
        Event = kind,
        Time = time,
        SignalId = k.SignalId,
        Pid = k.WholeCgroup ? null : k.Pid,
        Comm = k.WholeCgroup ? null : k.Comm,
        Cgroup = k.CgroupPath,
        Domain = k.Domain.Name,
        Signal = Signals.Name(signal),
        Reason = k.Reason,
        Victim = k.WholeCgroup ? "cgroup" : "process",
        Rule = k.Rule,
        Priority = k.Priority,
        FootprintBytes = k.FootprintBytes,
    };
}
