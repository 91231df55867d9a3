using OomWarden.Core.Engine;
using OomWarden.Core.Model;
using OomWarden.Core.Policy;

namespace OomWarden.Daemon;

/// <summary>The daemon's stderr lines, all written here from the bus (one format: <see cref="DaemonLog"/>).
/// Level changes and prepared decisions are not logged: a domain hovering in its prepare band would fill the log.</summary>
public sealed class LogSink : IEventSink
{
    private readonly TextWriter _log;
    private readonly TimeProvider _time;

    public LogSink(TextWriter log, TimeProvider time)
    {
        _log = log;
        _time = time;
    }

    public void Publish(EngineEvent e)
    {
        string? line = Line(e);
        if (line is null) return;
        lock (_log) DaemonLog.Write(_log, _time, line);
    }

    /// <summary>The line for <paramref name="e"/>, or null when it is not logged.</summary>
    public static string? Line(EngineEvent e) => e switch
    {
        NothingToKill n => $"nothing to kill in {n.Domain.Name}: {n.Decision.Summary} ({n.Reason})",
        WouldKill w => $"dry-run: would send {Signals.Name(w.Kill.FirstSignal)} to {Victim(w.Kill)} in domain {w.Kill.Domain.Name}: {w.Kill.Reason}",
        Signalled s => $"sent {Signals.Name(s.Signal)} to {Victim(s.Kill)} in domain {s.Kill.Domain.Name}: {s.Kill.Reason}",
        Escalated x => x.GraceOver
            ? $"pid {x.Kill.Pid} ({x.Kill.Comm}) still alive after its {x.Kill.Grace.TotalMilliseconds:0} ms grace: SIGKILL"
            : $"pid {x.Kill.Pid} ({x.Kill.Comm}): a domain counting on it is at its kill level: SIGKILL now",
        VictimVanished v => $"pid {v.Kill.Pid} ({v.Kill.Comm}) was gone before the signal; choosing again",
        Exited { Kill.WholeCgroup: true } x =>
            $"killed cgroup {x.Kill.CgroupPath} as a unit in domain {x.Kill.Domain.Name}: {x.Kill.Result}: {x.Kill.Message}; memory still short after killing its largest process; {x.Kill.Reason}",
        Judged { Kill.WholeCgroup: true } => null,
        Judged j when j.Kill.Result == "exited" && j.ExitAfter is { } after =>
            $"pid {j.Kill.Pid} ({j.Kill.Comm}) exited after {after.TotalMilliseconds:0} ms{(j.Kill.Escalated ? " (escalated to SIGKILL)" : "")}; freed {SizeFormat.FormatBytes(j.FreedBytes)}",
        Judged j => $"pid {j.Kill.Pid} ({j.Kill.Comm}): {j.Kill.Result}{(j.Kill.Message is null ? "" : ": " + j.Kill.Message)}",
        Recovered r => r.Outcome switch
        {
            RecoveryOutcome.Finishing => $"an earlier instance sent {Signals.Name(r.Kill.FirstSignal)} to pid {r.Kill.Pid} ({r.Kill.Comm}) in domain {r.Kill.Domain.Name} and stopped before it exited: finishing it",
            RecoveryOutcome.Gone => $"pid {r.Kill.Pid} ({r.Kill.Comm}), signalled by an earlier instance, is gone",
            _ => $"pid {r.Kill.Pid} ({r.Kill.Comm}), signalled by an earlier instance, outlived its grace but domain {r.Kill.Domain.Name} is no longer short: left alone",
        },
        RecoveryDropped d => $"a signal of an earlier instance to pid {d.Signal.Pid} in domain {d.Signal.Domain} is not finished: {d.Why}",
        KernelKill { WhileStopped: true } k =>
            $"while the daemon was stopped the kernel killed in cgroup {k.Domain}: {Counts(k.Counts)} (counted from its kill counters)",
        RestartLoopFlagged l =>
            $"restart loop: {l.Loop.Describe()} killed {l.Loop.Kills} times within {Within(l.Loop.Within)} ({l.Loop.ByKernel} by the kernel, {l.Loop.ByOomwarden} by oomwarden), "
            + $"last {l.Victim}; restarted by {l.Loop.Restarter}",
        KernelKill k => (k.Pid is null
                ? "the kernel's OOM killer ran"
                : $"the kernel killed pid {k.Pid} ({k.Comm}, anon-rss {(k.AnonRssKb ?? 0) / 1024} MiB)")
            + $"; {(k.Domain == "system" ? k.Constraint ?? "global" : "memcg " + k.Domain)}{(k.Cgroup is not null && k.Cgroup != k.Domain ? ", victim in " + k.Cgroup : "")}"
            + $"{(k.OomGroup ? $", memory.oom.group kill of {k.OomGroupCgroup}" : "")}; kind {KernelKillKinds.Name(k.Kind)}; trigger {k.TriggerComm ?? "?"}; see `oomwarden analyze` on the kernel log for why",
        WarningChanged { IsRepeat: false } w => $"domain {w.Domain.Name}: warning level {Core.Levels.LevelMachine.Name(w.From)} -> {Core.Levels.LevelMachine.Name(w.To)}: {w.Reason}",
        ReleaseAsked a => $"asked pid {a.Request.Pid} in {a.Request.Cgroup} (priority {a.Request.Priority}) to release {SizeFormat.FormatBytes(a.Request.TargetBytes)} for domain {a.Request.Domain.Name} within {a.Request.Grace.TotalMilliseconds:0} ms (release {a.Request.Id})",
        ReleaseMeasured m => $"release {m.Request.Id}: pid {m.Request.Pid} freed {SizeFormat.FormatBytes(m.Request.FreedBytes)} of {SizeFormat.FormatBytes(m.Request.TargetBytes)} asked (measured{(m.Request.Gone ? ", exited" : m.Request.Answered ? ", it answered" : ", no answer")}); domain {m.Request.Domain.Name} gained {SizeFormat.FormatBytes(m.Request.DomainFreedBytes)}{(m.StillShort ? "; still at medium or worse" : "")}",
        ReclaimStepped r => ReclaimRecord.Line(r),
        _ => null,
    };

    private static string Counts(CgroupKillCounts? c)
    {
        if (c is not { } v) return "?";
        var parts = new List<string>(3);
        if (v.Local is long l) parts.Add($"{l} kill(s) of its own tasks");
        if (v.Hierarchical is long h) parts.Add($"{h} in its subtree");
        if (v.GroupKills is long g && g > 0) parts.Add($"{g} memory.oom.group kill(s)");
        return string.Join(", ", parts);
    }

    private static string Within(TimeSpan t) => t.TotalMinutes >= 1 && t.TotalMinutes == Math.Floor(t.TotalMinutes)
        ? $"{t.TotalMinutes:0} min" : $"{t.TotalSeconds:0.#} s";

    private static string Victim(KillInFlight k) => k.WholeCgroup
        ? $"cgroup {k.CgroupPath}"
        : $"pid {k.Pid} ({k.Comm}, {SizeFormat.FormatBytes(k.FootprintBytes)}, adj {k.OomScoreAdj}) in {k.CgroupPath}";
}
