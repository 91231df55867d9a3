using OomWarden.Core.Decisions;

namespace OomWarden.Core.Engine;

/// <summary>Where one kill stands: opening → signalled (grace) → killed → settling → judged; or a dry-run's
/// pretend kill, or a whole-cgroup kill.</summary>
public enum KillPhase
{
    /// <summary>The host is verifying the victim (pidfd, start time).</summary>
    Opening,

    /// <summary>The signal record is written; the host is sending the first signal.</summary>
    Signalling,

    /// <summary>SIGTERM (or the rule's signal) sent; waiting for exit until the grace deadline.</summary>
    Grace,

    /// <summary>SIGKILL sent; waiting for exit until the exit deadline.</summary>
    Killed,

    /// <summary>The host is killing a cgroup as a unit.</summary>
    KillingCgroup,

    /// <summary>Gone (or given up on); waiting for memory to show.</summary>
    Settling,

    /// <summary>Dry run: nothing was sent; the kill stands for its domains until the deadline.</summary>
    Pretend,
}

/// <summary>One kill from decision to judgement, as plain data. The victim's fields are copied, so a kill
/// recovered from the journal (no <see cref="Decision"/>) looks like any other.</summary>
public sealed class KillInFlight
{
    public required long Id { get; init; }

    /// <summary>The journal's key for this kill: the <c>signal</c> record and the <c>kill</c> record carry it.</summary>
    public required string SignalId { get; init; }

    /// <summary>The domain the kill is for; rebound to the same-named domain when the domain list is rebuilt (a
    /// rescan, a reload), so a kill in flight is judged on live figures.</summary>
    public required WatchedDomain Domain { get => _domain; init => _domain = value; }

    private WatchedDomain _domain = null!;

    internal void Rebind(WatchedDomain domain) => _domain = domain;

    /// <summary>Null for a kill recovered from the journal.</summary>
    public Decision? Decision { get; init; }

    public required int Pid { get; init; }
    public required ulong StartTimeTicks { get; init; }
    public required string Comm { get; init; }
    public required string CgroupPath { get; init; }
    public ulong MemsAllowedMask { get; init; }
    public long FootprintBytes { get; init; }
    public int OomScoreAdj { get; init; }
    public string? Rule { get; init; }
    public int? Priority { get; init; }

    /// <summary>The ladder's last rung: the cgroup <see cref="CgroupPath"/> is killed as a unit.</summary>
    public bool WholeCgroup { get; init; }

    public required string Reason { get; init; }
    public required int FirstSignal { get; init; }
    public required TimeSpan Grace { get; init; }

    /// <summary>Found unfinished in the journal at start: finished only while its domain is still short.</summary>
    public bool Recovered { get; init; }

    public required long AvailableBeforeBytes { get; init; }
    public double DecisionMs { get; init; }

    public KillPhase Phase { get; internal set; }

    /// <summary>The strongest signal sent so far (0 before the first).</summary>
    public int LastSignal { get; internal set; }

    public bool Escalated { get; internal set; }

    public long SignalledAt { get; internal set; }
    public long Deadline { get; internal set; } = long.MaxValue;
    public long ExitedAt { get; internal set; }
    public long SettleStartedAt { get; internal set; }

    /// <summary>While settling: the highest available bytes of the domain seen, and when it last rose (0: not since
    /// the settle began).</summary>
    internal long ReleasePeakBytes { get; set; }
    internal long ReleasingAt { get; set; }

    /// <summary>"exited", "still_alive", "failed", "dry_run".</summary>
    public string Result { get; internal set; } = "exited";

    public string? Message { get; internal set; }

    /// <summary>A whole-cgroup kill: processes still in it when the killer gave up.</summary>
    public int Survivors { get; internal set; }

    /// <summary>Set by the daemon's kill accounting when this kill makes (or continues) a restart loop.</summary>
    public RestartLoop? RestartLoop { get; set; }

    public KillTarget Target => new(CgroupPath, MemsAllowedMask, WholeCgroup);
}
