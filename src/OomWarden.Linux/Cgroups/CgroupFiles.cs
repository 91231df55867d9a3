namespace OomWarden.Linux.Cgroups;

/// <summary>The cgroupfs file names the daemon reads and writes, in one place.</summary>
public static class CgroupFiles
{
    public const string Procs = "cgroup.procs";
    public const string Controllers = "cgroup.controllers";

    /// <summary>v2 (5.14+): writing "1" kills every task of the cgroup.</summary>
    public const string Kill = "cgroup.kill";

    /// <summary>v1: registers eventfd notifications (usage thresholds, pressure levels).</summary>
    public const string EventControl = "cgroup.event_control";

    public const string V2Current = "memory.current";
    public const string V2Max = "memory.max";
    public const string V2High = "memory.high";
    public const string V2SwapCurrent = "memory.swap.current";
    public const string V2Events = "memory.events";

    public const string Stat = "memory.stat";

    public const string V1Usage = "memory.usage_in_bytes";
    public const string V1Limit = "memory.limit_in_bytes";
    public const string V1MemswUsage = "memory.memsw.usage_in_bytes";
    public const string V1OomControl = "memory.oom_control";
    public const string V1Failcnt = "memory.failcnt";
    public const string V1PressureLevel = "memory.pressure_level";
}
