namespace OomWarden.Linux.Parsing;

/// <summary>One cgroup mount of mountinfo.</summary>
/// <param name="MountPoint">Where it is mounted, as the host sees it ("/sys/fs/cgroup/memory"), \040 escapes decoded.</param>
/// <param name="Root">The hierarchy directory mounted there ("/" normally; "/docker/ID" in a container without cgroupns).</param>
/// <param name="Version">cgroup (v1) or cgroup2.</param>
/// <param name="SuperOptions">v1: "rw,memory", "rw,cpu,cpuacct", "rw,name=systemd"; v2: "rw,nsdelegate".</param>
public sealed record CgroupMount(string MountPoint, string Root, CgroupVersion Version, string SuperOptions)
{
    /// <summary>Whether a v1 mount carries <paramref name="controller"/> ("memory", "cpuset", "freezer", "name=systemd").</summary>
    public bool HasV1Controller(string controller)
    {
        if (Version != CgroupVersion.V1) return false;
        foreach (var option in SuperOptions.Split(','))
            if (option == controller) return true;
        return false;
    }
}
