namespace OomWarden.Core.Settings;

/// <summary><c>[action] restart_loop = { kills = 3, within = "10m" }</c>: the same systemd unit, cgroup, or
/// executable + command line killed <see cref="Kills"/> times (by oomwarden or the kernel) within <see cref="Within"/>
/// is a restart loop. <see cref="Kills"/> 0 turns detection off.</summary>
public sealed record RestartLoopSettings
{
    public int Kills { get; init; } = 3;

    public TimeSpan Within { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary><c>[action] restart_loop_priority</c>: while flagged, the looping cgroup (and its ancestors on the way
    /// down the walk) or process ranks with at most this priority, so it is the first victim next time. Null: off.</summary>
    public int? Priority { get; init; }

    public bool Enabled => Kills > 0;
}
