using OomWarden.Core.Engine;
using OomWarden.Linux.Parsing;

namespace OomWarden.Linux.OomDelay;

/// <summary>The bounded wait for one cgroup, as a state machine on the loop (never a sleep; <see cref="OomEpisode"/>):
/// armed (the setting changed) → waiting (the kernel holds the cgroup's tasks; the domain is at its kill level, so
/// the engine kills per policy at once) ⇄ leaving (out of the window for less than a second: the same episode) →
/// released (the delay ran out: the kernel's own killer is let loose) → armed again once the kernel has had its turn.
/// <see cref="Restore"/> puts the old setting back.</summary>
public interface IOomWait : IDisposable
{
    CgroupDomain Domain { get; }

    /// <summary>The cgroup version of the mechanism (v1: memory.oom_control, v2: memory.high).</summary>
    CgroupVersion Version { get; }

    /// <summary>The delay configured for the cgroup: the next episode's. An episode in progress keeps the delay it
    /// started with (<see cref="OomEpisode.DelayTicks"/>) when a reload changes this one.</summary>
    TimeSpan Delay { get; }

    /// <summary>Where the wait stands, and its counts (status and metrics read it on the loop's thread).</summary>
    OomEpisode Episode { get; }

    /// <summary>The setting and the value to put back (written to the state file before <see cref="TryApply"/>).</summary>
    OomSetting Setting { get; }

    /// <summary>Changes the setting and registers the wake-up. False with the reason (the setting is then unchanged).</summary>
    bool TryApply(out string? error);

    /// <summary>Reads what it needs and moves along; <paramref name="now"/> from the loop's clock. Returns a log line
    /// when the state changed (allocates only then), else null.</summary>
    string? Step(long now);

    /// <summary>A kill that frees memory for this cgroup was signalled: the domain is no longer held at its kill level
    /// for this episode (one kill per OOM event; a new event starts a new one). The deadline stands.</summary>
    void OnKillSignalled();

    /// <summary>When <see cref="Step"/> must run next without a wake-up (long.MaxValue: only on a wake-up).</summary>
    long NextDeadline { get; }

    bool IsWaiting { get; }

    /// <summary>A reload built a new domain object for the same cgroup (<see cref="OomWaitMatch.Rebind"/>): the wait
    /// carries on with it, its episode untouched and nothing written to the cgroup; the domain takes over the old
    /// one's wait mark (<see cref="CgroupDomain.TakeOomWaitFrom"/>).</summary>
    void Rebind(CgroupDomain domain);

    /// <summary>A reload changed the cgroup's delay: it applies from the next episode (<see cref="OomEpisode.ChangeDelay"/>);
    /// nothing is written to the cgroup.</summary>
    void ChangeDelay(TimeSpan delay);

    /// <summary>Writes the old value back and drops the wake-up. True when it is back (or the cgroup is gone).</summary>
    bool Restore(out string? error);
}
