namespace OomWarden.Core.Engine;

/// <summary>A memory cgroup's own kill counters as the kernel keeps them (null when the file or line is absent).
/// v2: <see cref="Local"/> is <c>memory.events.local</c> <c>oom_kill</c> (victims in this cgroup),
/// <see cref="Hierarchical"/> is <c>memory.events</c> <c>oom_kill</c> (victims in its subtree), <see cref="GroupKills"/>
/// <c>memory.events</c> <c>oom_group_kill</c>. v1: <see cref="Local"/> is <c>memory.oom_control</c> <c>oom_kill</c>
/// (v1 counts a kill in the victim's own memcg only), the others null.</summary>
public readonly record struct CgroupKillCounts(long? Local, long? Hierarchical, long? GroupKills)
{
    public bool IsEmpty => Local is null && Hierarchical is null && GroupKills is null;

    /// <summary>What moved from <paramref name="before"/> to this reading. A counter that went down belongs to a
    /// cgroup removed and made again under the same path: everything it holds is new.</summary>
    public CgroupKillCounts Since(CgroupKillCounts before) => new(
        Delta(Local, before.Local), Delta(Hierarchical, before.Hierarchical), Delta(GroupKills, before.GroupKills));

    public bool Any => Local > 0 || Hierarchical > 0 || GroupKills > 0;

    private static long? Delta(long? now, long? then) => now is not long n ? null : then is not long t ? 0 : n >= t ? n - t : n;
}
