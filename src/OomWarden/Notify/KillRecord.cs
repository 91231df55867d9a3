using OomWarden.Core.Engine;
using OomWarden.Core.Policy;
using OomWarden.Daemon;

namespace OomWarden.Notify;

/// <summary>The journal's <c>kill</c> record for a judged (or dry-run) kill, with the same fields as
/// <see cref="JournalSink"/> writes, for the notifiers (hooks get it on stdin).</summary>
internal static class KillRecord
{
    public static KillEvent Of(Judged j) => Victim(j.Kill, j.Time, j.Kill.LastSignal == 0 ? j.Kill.FirstSignal : j.Kill.LastSignal) with
    {
        FreedBytes = j.FreedBytes,
        ExitMs = j.ExitAfter?.TotalMilliseconds,
        Result = j.Kill.Result,
        Escalated = j.Kill.WholeCgroup ? null : j.Kill.Escalated,
        DecisionMs = j.Kill.DecisionMs,
        Message = j.Kill.Message,
        Survivors = j.Kill.WholeCgroup ? j.Kill.Survivors : null,
    };

    public static KillEvent Of(WouldKill w) => Victim(w.Kill, w.Time, w.Kill.FirstSignal) with
    {
        DryRun = true,
        Result = "dry_run",
        DecisionMs = w.Kill.DecisionMs,
        SignalId = null,
    };

    private static KillEvent Victim(KillInFlight k, DateTimeOffset time, int signal) => new()
    {
        Event = "kill",
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
