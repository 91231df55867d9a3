namespace OomWarden.Daemon;

/// <summary>One line of the event journal. Field names are a contract (scripts read them).</summary>
public sealed record KillEvent
{
    public required string Event { get; init; }          // "signal", "kill", "nothing_to_kill", "vanished", "recovered", "start", "stop", "kernel_kill", "reload", "pause", "resume"
    public required DateTimeOffset Time { get; init; }
    public int? Pid { get; init; }
    public string? Comm { get; init; }
    public string? Cgroup { get; init; }
    public string? Domain { get; init; }
    public string? Signal { get; init; }
    public string? Reason { get; init; }
    public string? Victim { get; init; }                 // "process" or "cgroup" (ladder rung)
    public string? Rule { get; init; }
    public int? Priority { get; init; }
    public long? FootprintBytes { get; init; }
    public long? FreedBytes { get; init; }
    public double? ExitMs { get; init; }
    public double? DecisionMs { get; init; }
    public string? Result { get; init; }
    public bool? Escalated { get; init; }
    public int? Survivors { get; init; }                 // kill of a cgroup: processes still in it when the killer gave up
    public bool DryRun { get; init; }
    public string? Message { get; init; }

    /// <summary>Joins a <c>signal</c> record (written before the signal) to the records that close it.</summary>
    public string? SignalId { get; init; }

    /// <summary>The victim's start time (field 22 of /proc/PID/stat): with the pid, names one process for good.</summary>
    public ulong? StartTimeTicks { get; init; }

    public double? GraceMs { get; init; }

    /// <summary><c>level</c>: the warning level now and before ("none", "low", "medium", "critical").</summary>
    public string? Level { get; init; }
    public string? Previous { get; init; }

    /// <summary><c>level</c>: the domain's available bytes at the change.</summary>
    public long? AvailableBytes { get; init; }

    /// <summary><c>release</c>: the request's id (as in the own socket's release event), what was asked, and what
    /// the domain gained between the request and the deadline (freed_bytes is the subscriber's own).</summary>
    public long? ReleaseId { get; init; }
    public long? RequestedBytes { get; init; }
    public long? DomainFreedBytes { get; init; }
    /// <summary><c>reclaim</c>: one memory.reclaim step at low; reclaimed_bytes is memory.current's drop between
    /// usage_before_bytes and usage_after_bytes, psi_some_avg10 the cgroup's highest around the step.</summary>
    public long? ReclaimedBytes { get; init; }
    public long? UsageBeforeBytes { get; init; }
    public long? UsageAfterBytes { get; init; }
    public double? PsiSomeAvg10 { get; init; }
    public double? DurationMs { get; init; }

    /// <summary>A <c>reload</c> (and <c>start</c>) record: the sha256 of the config file validated.</summary>
    public string? Sha256 { get; init; }

    // kernel_kill (issue 11)
    public string? Kind { get; init; }                   // "system", "memcg", "cpuset", "mempolicy"
    public bool? OomGroup { get; init; }
    public string? OomGroupCgroup { get; init; }
    public bool WhileStopped { get; init; }
    public long? Kills { get; init; }                    // while_stopped: local (v1: oom_control) oom_kill moved by
    public long? KillsHierarchical { get; init; }        // while_stopped: memory.events oom_kill moved by
    public long? OomGroupKills { get; init; }            // while_stopped: memory.events oom_group_kill moved by
    public string? TriggerComm { get; init; }
    public long? TriggerPid { get; init; }
    public string? GfpMask { get; init; }
    public int? Order { get; init; }
    public long? TotalVmKb { get; init; }
    public long? AnonRssKb { get; init; }
    public long? FileRssKb { get; init; }
    public long? ShmemRssKb { get; init; }
    public long? PageTablesKb { get; init; }
    public long? Uid { get; init; }
    public long? OomScoreAdj { get; init; }
    public long? MemcgUsageKb { get; init; }
    public long? MemcgLimitKb { get; init; }
    public string? Nodemask { get; init; }
    public string? Cpuset { get; init; }
    public string? MemsAllowed { get; init; }
    public double? UptimeS { get; init; }

    // restart loops (kill and kernel_kill)
    public bool RestartLoop { get; init; }
    public int? LoopKills { get; init; }
    public string? LoopKey { get; init; }                // "unit", "cgroup", "exe"
    public string? LoopName { get; init; }
    public string? Unit { get; init; }
}
