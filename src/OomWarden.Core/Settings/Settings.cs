
namespace OomWarden.Core.Settings;

public enum Combine
{
    /// <summary>Act when memory AND swap are both low (earlyoom's rule).</summary>
    And,

    /// <summary>Act when either is low.</summary>
    Or,
}

/// <summary>System domain: act when MemAvailable and/or SwapFree fall to these levels.</summary>
/// <remarks>A machine without swap counts its swap as exhausted, so <see cref="Combine.And"/> still fires.</remarks>
public sealed record SystemThresholds
{
    /// <summary>Watch the system domain at all (false confines the daemon to cgroup domains).</summary>
    public bool Enabled { get; init; } = true;

    public Threshold MemAvailableTerm { get; init; } = Threshold.FromPercent(10);
    public Threshold MemAvailableKill { get; init; } = Threshold.FromPercent(5);
    public Threshold SwapFreeTerm { get; init; } = Threshold.FromPercent(10);
    public Threshold SwapFreeKill { get; init; } = Threshold.FromPercent(5);
    public Combine Combine { get; init; } = Combine.And;
}

/// <summary>Cgroup domains: act when a limited cgroup's headroom (limit − working set) falls to these levels.</summary>
public sealed record CgroupThresholds
{
    public bool Enabled { get; init; } = true;

    /// <summary>Headroom left under the limit, as bytes or percent of the limit.</summary>
    public Threshold HeadroomTerm { get; init; } = Threshold.FromPercent(5);
    public Threshold HeadroomKill { get; init; } = Threshold.FromPercent(2);

    /// <summary>Only cgroups whose path matches one of these globs are watched; empty = all limited cgroups.</summary>
    public IReadOnlyList<string> Include { get; init; } = [];

    /// <summary>The bounded wait before the kernel's OOM killer (issue 11): zero = off. v1: oom_kill_disable for at
    /// most this long after the OOM event; v2: a memory.high window below memory.max. A rule's oom_delay overrides it.</summary>
    public TimeSpan OomDelay { get; init; } = TimeSpan.Zero;

    /// <summary>v2: memory.high is set this far below memory.max for cgroups with a delay (bytes or % of memory.max).</summary>
    public Threshold OomDelayHighMargin { get; init; } = Threshold.FromPercent(5);

    /// <summary>Every setting the delay changed, with its old value, written before it is changed.</summary>
    public string OomDelayState { get; init; } = "/run/oomwarden/oom-delay.state";
}

/// <summary>Polling: the interval adapts to the headroom and the worst fill rate to expect.</summary>
public sealed record MonitorSettings
{
    public TimeSpan MinInterval { get; init; } = TimeSpan.FromMilliseconds(1);
    /// <summary>Long enough that an idle daemon wakes a few times a minute; the adaptive interval and kernel
    /// wake-ups shorten it as soon as headroom shrinks.</summary>
    public TimeSpan MaxInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Worst-case fill rate in bytes per second; the sleep never lets this rate cross the threshold unseen.</summary>
    public long MaxFillRateBytesPerSecond { get; init; } = 4L << 30;

    /// <summary>How often the cgroup tree is re-listed to find new limited cgroups, as a safety net: with
    /// <see cref="Events"/> on, inotify reports created and removed cgroups at once (then 1 s and 5 s later the
    /// tree is read again, for limits written just after mkdir).</summary>
    public TimeSpan RescanInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Use kernel wake-ups (PSI triggers, v1 usage thresholds, v2 memory.events) besides polling.</summary>
    public bool Events { get; init; } = true;
}

/// <summary>How kills are carried out.</summary>
public sealed record ActionSettings
{
    public bool DryRun { get; init; }

    /// <summary>SIGTERM → SIGKILL when the victim has not exited in this time.</summary>
    public TimeSpan TermGrace { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>After the victim is gone, wait up to this long for memory to come back before judging it.</summary>
    public TimeSpan Settle { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Call process_mrelease after SIGKILL.</summary>
    public bool MemoryRelease { get; init; } = true;

    /// <summary>Append-only JSON lines journal of decisions.</summary>
    public string EventsPath { get; init; } = "/var/lib/oomwarden/events.jsonl";

    /// <summary>Restart-loop detection and its optional priority effect.</summary>
    public RestartLoopSettings RestartLoop { get; init; } = new();
}

/// <summary>The daemon's whole configuration; every field has a built-in default.</summary>
public sealed record DaemonSettings
{
    public SystemThresholds System { get; init; } = new();
    public CgroupThresholds Cgroups { get; init; } = new();
    public MonitorSettings Monitor { get; init; } = new();
    public ActionSettings Action { get; init; } = new();
    public LevelSettings Levels { get; init; } = new();
    public NotifySettings Notify { get; init; } = new();
    public ControlSettings Control { get; init; } = new();
    public MetricsSettings Metrics { get; init; } = new();


    /// <summary>Built-in rule set evaluated after the file's rules: "desktop", "server", "kubernetes" or "none".</summary>
    public string Preset { get; init; } = "none";

    public SelectorKind Selector { get; init; } = SelectorKind.Hierarchical;

    public static DaemonSettings Default { get; } = new();
}
