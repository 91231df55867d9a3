using OomWarden.Core.Engine;

namespace OomWarden.Core.Levels;

public enum ReclaimResult
{
    /// <summary>Not done yet.</summary>
    Pending,

    /// <summary>The kernel reclaimed the whole step.</summary>
    Ok,

    /// <summary>EAGAIN: the kernel could not reclaim the whole step (what it did reclaim is measured).</summary>
    Partial,

    /// <summary>The cgroup's PSI was at or above the stop threshold before the step: nothing written.</summary>
    Pressure,

    /// <summary>The cgroup is gone (ENOENT/ENODEV).</summary>
    Gone,

    /// <summary>Another error (the message says which); nothing reclaimed.</summary>
    Failed,

    /// <summary>Dry run: nothing written.</summary>
    DryRun,
}

/// <summary>One write of <c>memory.reclaim</c> at low: the engine makes it (which cgroup, how much), the host
/// carries it out off the loop and fills in what it measured (memory.current and PSI before and after).</summary>
public sealed class ReclaimStep
{
    public ReclaimStep(long id, WatchedDomain domain, string cgroup, int priority, string rule, long requestedBytes, double stopPsiSomeAvg10)
    {
        Id = id;
        Domain = domain;
        Cgroup = cgroup;
        Priority = priority;
        Rule = rule;
        RequestedBytes = requestedBytes;
        StopPsiSomeAvg10 = stopPsiSomeAvg10;
    }

    public long Id { get; }

    public WatchedDomain Domain { get; }

    public string Cgroup { get; }

    public int Priority { get; }

    public string Rule { get; }

    public long RequestedBytes { get; }

    /// <summary>The host writes nothing when the cgroup's some avg10 is already at or above this.</summary>
    public double StopPsiSomeAvg10 { get; }

    public ReclaimResult Result { get; set; }

    /// <summary>Why a step failed (the C library's words), or null.</summary>
    public string? Error { get; set; }

    /// <summary>memory.current before the write and after it (0 when unread).</summary>
    public long UsageBeforeBytes { get; set; }
    public long UsageAfterBytes { get; set; }

    /// <summary>memory.pressure some avg10 before the write and after it (null when unread).</summary>
    public double? PsiBefore { get; set; }
    public double? PsiAfter { get; set; }

    /// <summary>How long the write took (the kernel reclaims in the writer's context).</summary>
    public TimeSpan Duration { get; set; }

    /// <summary>What memory.current dropped by (never negative: the cgroup may have charged more meanwhile).</summary>
    public long ReclaimedBytes => Result is ReclaimResult.Ok or ReclaimResult.Partial ? Math.Max(0, UsageBeforeBytes - UsageAfterBytes) : 0;

    /// <summary>The highest PSI measured around the step (null when unread).</summary>
    public double? Psi => PsiAfter is { } a ? Math.Max(a, PsiBefore ?? 0) : PsiBefore;

    public static string Name(ReclaimResult r) => r switch
    {
        ReclaimResult.Ok => "ok",
        ReclaimResult.Partial => "partial",
        ReclaimResult.Pressure => "pressure",
        ReclaimResult.Gone => "gone",
        ReclaimResult.Failed => "failed",
        ReclaimResult.DryRun => "dry_run",
        _ => "pending",
    };
}

/// <summary>A domain's proactive reclaim while it is at low: one step at a time, at most one per interval.</summary>
public sealed class ReclaimEpisode
{
    /// <summary>No step before this timestamp.</summary>
    public long NextAt { get; internal set; }

    /// <summary>A RankReclaim or Reclaim command is out.</summary>
    public bool Pending { get; internal set; }

    /// <summary>Cgroups stopped in this episode (pressure, partial, gone, failed), by path → timestamp from which
    /// they may be tried again.</summary>
    public Dictionary<string, long> Stopped { get; } = new(StringComparer.Ordinal);

    public int Steps { get; internal set; }
}
