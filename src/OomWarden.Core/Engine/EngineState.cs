using OomWarden.Core.Decisions;
using OomWarden.Core.Detection;

namespace OomWarden.Core.Engine;

/// <summary>What the engine remembers of one domain, by name (so a rebuilt domain list keeps it).</summary>
public sealed class DomainState
{
    public PressureLevel LastLevel { get; internal set; }

    /// <summary>A decision taken ahead of time (or the last one), and when (timestamp).</summary>
    public Decision? Prepared { get; internal set; }
    public long PreparedAt { get; internal set; }

    /// <summary>The domain's available bytes when <see cref="Prepared"/> was taken.</summary>
    public long PreparedAvailableBytes { get; internal set; }

    /// <summary>Left alone until this timestamp (after "nothing to kill" or a failed signal).</summary>
    public long QuietUntil { get; internal set; }

    /// <summary>The domain's <see cref="WatchedDomain.WaitEpisode"/> when <see cref="QuietUntil"/> was set: a new
    /// kernel wait (a new OOM event under oom_delay) ends the quiet time, since the kernel holds tasks for an answer.</summary>
    public long QuietEpisode { get; internal set; }

    /// <summary>A Select command is out; no second one until its answer.</summary>
    public bool SelectPending { get; internal set; }

    /// <summary>Kills judged in this domain.</summary>
    public int Kills { get; internal set; }

    /// <summary>The graded warning level ([levels]); null until the domain's first figures.</summary>
    public Levels.LevelMachine? Warning { get; internal set; }

    /// <summary>The cooperative release under way at medium or worse; null outside one.</summary>
    public Levels.ReleaseEpisode? Release { get; internal set; }

    /// <summary>Proactive reclaim while the domain is at low; null outside it.</summary>
    public Levels.ReclaimEpisode? Reclaim { get; internal set; }
}

/// <summary>The engine's whole state as plain data: per-domain state, kills in flight, the ladder's memory.
/// Handed from one engine to the next (reload) or read by status and metrics.</summary>
public sealed class EngineState
{
    internal Dictionary<string, DomainState> Domains { get; } = new(StringComparer.Ordinal);

    internal List<KillInFlight> InFlight { get; } = new(4);

    /// <summary>Victims left alive after our SIGKILL (judged <c>still_alive</c>), oldest first: kept out of the
    /// selection while they may still be exiting (<see cref="OomEngine.Screen"/>).</summary>
    internal List<DyingVictim> Dying { get; } = new(4);

    /// <summary>cgroup path → timestamp of the last kill of a kill = "cgroup" victim in it.</summary>
    internal Dictionary<string, long> Ladder { get; } = new(StringComparer.Ordinal);

    public long NextKillId { get; internal set; } = 1;

    /// <summary>The id of the next release request (own socket's <c>release</c> event).</summary>
    public long NextReleaseId { get; internal set; } = 1;

    /// <summary>cgroup path → timestamp of its last memory.reclaim step (any domain): one step per interval.</summary>
    internal Dictionary<string, long> ReclaimedAt { get; } = new(StringComparer.Ordinal);

    public long NextReclaimId { get; internal set; } = 1;

    /// <summary>Kills judged (not counting dry runs).</summary>
    public int Kills { get; internal set; }

    public IReadOnlyList<KillInFlight> KillsInFlight => InFlight;

    /// <summary>Paused (control socket): domains are read and levels reported, nothing new is selected or signalled;
    /// kills already in flight are finished (a victim in its grace still gets its SIGKILL).</summary>
    public bool Paused { get; set; }

    public DomainState? For(string domainName) => Domains.GetValueOrDefault(domainName);
}
