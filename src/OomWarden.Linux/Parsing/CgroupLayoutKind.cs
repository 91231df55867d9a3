namespace OomWarden.Linux.Parsing;

public enum CgroupLayoutKind
{
    /// <summary>No cgroup file system is mounted.</summary>
    None,

    /// <summary>Only cgroup (v1) hierarchies.</summary>
    V1,

    /// <summary>Only cgroup2 (the unified hierarchy).</summary>
    V2,

    /// <summary>Both: v1 controllers plus a cgroup2 mount (systemd's "hybrid", often /sys/fs/cgroup/unified).</summary>
    Hybrid,
}
