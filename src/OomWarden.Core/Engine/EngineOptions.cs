using OomWarden.Core.Settings;

namespace OomWarden.Core.Engine;

/// <summary>The engine's timings and switches, captured once from the settings.</summary>
public sealed record EngineOptions
{
    /// <summary>A decision prepared in the prepare band is refreshed when older than this.</summary>
    public TimeSpan PreparedMaxAge { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>A prepared decision is still used at the crossing when younger than this.</summary>
    public TimeSpan PreparedUsableAge { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>After "nothing to kill" the domain is left alone this long.</summary>
    public TimeSpan NothingToKillQuiet { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>A kill = "cgroup" victim's cgroup is killed as a unit when the domain is short again within this time.</summary>
    public TimeSpan LadderWindow { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>SIGTERM → SIGKILL after this, unless the rule gives its own grace.</summary>
    public TimeSpan TermGrace { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>How long to wait for exit after SIGKILL before judging anyway (a task stuck in D state).</summary>
    public TimeSpan ExitWait { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>After the victim is gone, wait up to this long for memory to show before judging.</summary>
    public TimeSpan Settle { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Settling ends no sooner than this once the domain is out of its term level.</summary>
    public TimeSpan SettleMinimum { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>Past <see cref="Settle"/>, settling goes on (up to the victim's grace more) while the domain's available
    /// memory reached a new high within this time: the victim's memory is still coming back.</summary>
    public TimeSpan ReleaseQuiet { get; init; } = TimeSpan.FromMilliseconds(250);

    public bool DryRun { get; init; }

    /// <summary>Call process_mrelease after SIGKILL.</summary>
    public bool MemoryRelease { get; init; } = true;

    /// <summary>Prefix of the signal ids this instance writes, unique across restarts (e.g. pid and start time).</summary>
    public string InstanceId { get; init; } = "0";

    /// <summary>The graded warnings ([levels]); off unless given (<see cref="From"/> gives the configured ones).</summary>
    public LevelSettings Levels { get; init; } = new() { Enabled = false };

    /// <summary>Proactive reclaim at low; null (the default) when no rule says <c>reclaim = true</c>, on cgroup v1,
    /// or on fixture roots.</summary>
    public ReclaimSettings? Reclaim { get; init; }

    public static EngineOptions From(DaemonSettings s, string instanceId) => new()
    {
        TermGrace = s.Action.TermGrace,
        Settle = s.Action.Settle,
        DryRun = s.Action.DryRun,
        MemoryRelease = s.Action.MemoryRelease,
        InstanceId = instanceId,
        Levels = s.Levels,
    };
}
