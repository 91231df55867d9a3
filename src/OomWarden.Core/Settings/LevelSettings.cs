namespace OomWarden.Core.Settings;

/// <summary>The conditions of one graded warning level (config <c>[levels] low/medium/critical</c>); any one that
/// holds makes the level hold. A level with no condition never holds.</summary>
public sealed record LevelConditions
{
    /// <summary>What is left in the domain's own terms (MemAvailable, a node set's free memory, a cgroup's
    /// headroom), as bytes or percent of the domain's total: holds at or below.</summary>
    public Threshold? Available { get; init; }

    /// <summary>PSI memory <c>some avg10</c> (percent): holds at or above. False where PSI is absent.</summary>
    public double? PsiSomeAvg10 { get; init; }

    /// <summary>PSI memory <c>full avg10</c> (percent): holds at or above. False where PSI is absent.</summary>
    public double? PsiFullAvg10 { get; init; }

    /// <summary>Holds when, at the smoothed slope, the domain reaches its term level within this time.</summary>
    public TimeSpan? ExhaustionIn { get; init; }

    public bool HasAny() => Available is not null || PsiSomeAvg10 is not null || PsiFullAvg10 is not null || ExhaustionIn is not null;

    public bool UsesPsi() => PsiSomeAvg10 is not null || PsiFullAvg10 is not null;

    public static LevelConditions None { get; } = new();
}

/// <summary>Config <c>[levels]</c>: graded warnings per domain, above the term/kill levels (which stay the last
/// resort). On by default: they only notify (journal, log, subscribers) and never kill by themselves.</summary>
public sealed record LevelSettings
{
    public bool Enabled { get; init; } = true;

    public LevelConditions Low { get; init; } = new() { Available = Threshold.FromPercent(20) };

    public LevelConditions Medium { get; init; } = new() { Available = Threshold.FromPercent(15), PsiSomeAvg10 = 20.0 };

    /// <summary>12 %, not the 8 % of the example: the default [system] term level is 10 %, and a warning
    /// level at or below it would come only together with a kill.</summary>
    public LevelConditions Critical { get; init; } = new()
    {
        Available = Threshold.FromPercent(12),
        PsiFullAvg10 = 10.0,
        ExhaustionIn = TimeSpan.FromSeconds(10),
    };

    /// <summary>A level falls only after its conditions were false this long.</summary>
    public TimeSpan Hold { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>At medium: how long each subscriber asked to release gets before the next one is asked.</summary>
    public TimeSpan ReleaseGrace { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>While a level holds, notify again at most this often.</summary>
    public TimeSpan Repeat { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Ask own-socket subscribers to release memory at medium (cooperative release).</summary>
    public bool Release { get; init; } = true;

    /// <summary>At medium, after every subscriber asked was measured and medium's conditions still hold: one kill per
    /// the policy (the term level's kill path), then a new round. A domain without subscribers is never killed at
    /// medium.</summary>
    public bool ReleaseKill { get; init; } = true;

    /// <summary>Proactive reclaim at low (<c>reclaim_step</c>, <c>reclaim_interval</c>, <c>reclaim_psi_some_avg10</c>);
    /// only for cgroups a rule marks <c>reclaim = true</c>.</summary>
    public ReclaimSettings Reclaim { get; init; } = new();

    public LevelConditions For(int level) => level switch
    {
        1 => Low,
        2 => Medium,
        3 => Critical,
        _ => LevelConditions.None,
    };

    public bool UsesPsi() => Enabled && (Low.UsesPsi() || Medium.UsesPsi() || Critical.UsesPsi());
}
