using System.Globalization;
using OomWarden.Core.Engine;
using OomWarden.Core.Levels;
using OomWarden.Core.Model;

namespace OomWarden.Daemon;

/// <summary>The journal's <c>reclaim</c> record and the log's line for one memory.reclaim step.</summary>
public static class ReclaimRecord
{
    public static KillEvent Of(ReclaimStepped r, bool dryRun)
    {
        var s = r.Step;
        bool wrote = s.Result is ReclaimResult.Ok or ReclaimResult.Partial;
        return new KillEvent
        {
            Event = "reclaim",
            Time = r.Time,
            Domain = s.Domain.Name,
            Cgroup = s.Cgroup,
            Rule = s.Rule,
            Priority = s.Priority,
            RequestedBytes = s.RequestedBytes,
            ReclaimedBytes = s.ReclaimedBytes,
            UsageBeforeBytes = wrote || s.Result == ReclaimResult.Pressure ? s.UsageBeforeBytes : null,
            UsageAfterBytes = wrote ? s.UsageAfterBytes : null,
            PsiSomeAvg10 = s.Psi,
            DurationMs = wrote ? s.Duration.TotalMilliseconds : null,
            Result = ReclaimStep.Name(s.Result),
            Message = Why(r),
            DryRun = dryRun || s.Result == ReclaimResult.DryRun,
        };
    }

    public static string Line(ReclaimStepped r)
    {
        var s = r.Step;
        string head = $"reclaim {s.Cgroup} (priority {s.Priority}, rule {s.Rule}) for domain {s.Domain.Name}: ";
        string body = s.Result switch
        {
            ReclaimResult.DryRun => $"dry-run: would ask memory.reclaim for {SizeFormat.FormatBytes(s.RequestedBytes)}",
            ReclaimResult.Ok or ReclaimResult.Partial =>
                $"asked {SizeFormat.FormatBytes(s.RequestedBytes)}, memory.current fell by {SizeFormat.FormatBytes(s.ReclaimedBytes)} in {s.Duration.TotalMilliseconds:0} ms",
            _ => ReclaimStep.Name(s.Result),
        };
        return head + body + (Why(r) is { } why ? "; " + why : "");
    }

    /// <summary>Why the cgroup stops (null when it goes on).</summary>
    private static string? Why(ReclaimStepped r)
    {
        var s = r.Step;
        string retry = $"left alone for {Core.Settings.ReclaimSettings.RetryAfter.TotalSeconds:0} s";
        return s.Result switch
        {
            ReclaimResult.Partial => "the kernel could not reclaim the whole step (EAGAIN): " + retry,
            ReclaimResult.Pressure => Psi(s) + ": nothing written, " + retry,
            ReclaimResult.Gone => "the cgroup is gone",
            ReclaimResult.Failed => (s.Error ?? "failed") + ": " + retry,
            ReclaimResult.DryRun => retry,
            _ when r.Stopped => Psi(s) + " after the step: " + retry,
            _ => null,
        };
    }

    private static string Psi(ReclaimStep s) => string.Create(CultureInfo.InvariantCulture,
        $"memory.pressure some avg10 {s.Psi ?? 0:0.00} >= {s.StopPsiSomeAvg10:0.##}");
}
