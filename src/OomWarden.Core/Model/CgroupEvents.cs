namespace OomWarden.Core.Model;

/// <summary>Event counters of one memory cgroup since it was created.</summary>
/// <remarks>
/// v2: memory.events (<c>low high max oom oom_kill oom_group_kill</c>; oom_group_kill since 5.17, 0 before).
/// v1: memory.oom_control (<c>oom_kill_disable under_oom oom_kill</c>; oom_kill since 4.13) and memory.failcnt,
/// reported as <see cref="Max"/> (times usage hit the limit); v1 has no low/high/oom counters (0).
/// </remarks>
public readonly record struct CgroupEvents(
    long Low,
    long High,
    long Max,
    long Oom,
    long OomKill,
    long OomGroupKill)
{
    /// <summary>v1 memory.oom_control under_oom: tasks of the cgroup are stalled in the OOM path right now.</summary>
    public bool UnderOom { get; init; }

    /// <summary>v1 memory.oom_control oom_kill_disable: the kernel will not kill in this cgroup.</summary>
    public bool OomKillDisabled { get; init; }
}
