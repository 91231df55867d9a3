using System.Text.Json.Serialization;

namespace OomWarden.Core.Snapshot;

/// <summary>What the selector needs, recorded at one instant: the cgroup tree, the processes and the memory
/// figures. Format "oomwarden-snapshot", version 1; see docs/SNAPSHOT.md.</summary>
public sealed class SnapshotDocument
{
    public const string FormatName = "oomwarden-snapshot";
    public const int CurrentVersion = 1;

    [JsonPropertyOrder(-10)]
    public string Format { get; set; } = FormatName;

    [JsonPropertyOrder(-9)]
    public int Version { get; set; } = CurrentVersion;

    public DateTimeOffset Time { get; set; }

    public string Hostname { get; set; } = "";

    public long PageSizeBytes { get; set; } = 4096;

    /// <summary>The domain being acted on when the snapshot was taken ("/" for the system), if any.</summary>
    public string? Domain { get; set; }

    /// <summary>The pid of the <c>oomwarden snapshot</c> process that recorded the file, when it recorded the real
    /// /proc: "oomwarden itself" on replay, as explain protects itself (see <see cref="Decisions.HardProtection"/>).</summary>
    public int? RecorderPid { get; set; }

    public SnapshotMemory Memory { get; set; } = new();

    /// <summary>Every cgroup, parents before children, the first being the root of the recorded tree.</summary>
    public List<SnapshotCgroup> Cgroups { get; set; } = [];
}

/// <summary>/proc/meminfo figures, bytes.</summary>
public sealed class SnapshotMemory
{
    public long MemTotalBytes { get; set; }
    public long MemFreeBytes { get; set; }
    public long MemAvailableBytes { get; set; }
    public long CachedBytes { get; set; }
    public long SwapTotalBytes { get; set; }
    public long SwapFreeBytes { get; set; }
    public long ShmemBytes { get; set; }
    public long DirtyBytes { get; set; }
    public long WritebackBytes { get; set; }
}

/// <summary>One cgroup and the processes attached directly to it. Limits are null when unlimited ("max").</summary>
public sealed class SnapshotCgroup
{
    public string Path { get; set; } = "/";
    public long UsageBytes { get; set; }
    public long? LimitBytes { get; set; }
    public long? HighBytes { get; set; }
    public long InactiveFileBytes { get; set; }
    public long SwapBytes { get; set; }
    public List<SnapshotProcess> Processes { get; set; } = [];
}

/// <summary>One process; its cgroup is the entry it is listed under.</summary>
public sealed class SnapshotProcess
{
    public int Pid { get; set; }
    public int ParentPid { get; set; }
    public ulong StartTimeTicks { get; set; }
    public string Comm { get; set; } = "";
    public string? Exe { get; set; }
    public string? Cmdline { get; set; }
    public int Uid { get; set; } = -1;
    public string? User { get; set; }
    /// <summary>/proc/PID/oom_score_adj; null when it could not be read or parsed (the process is then protected:
    /// it may be −1000). Written even when null; an absent key reads as 0.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public int? OomScoreAdj { get; set; } = 0;

    /// <summary>The kernel's /proc/PID/oom_score at the time, -1 when not read.</summary>
    public int OomScore { get; set; } = -1;

    public long RssBytes { get; set; }
    public long SwapBytes { get; set; }
    public long PageTablesBytes { get; set; }
    public bool KernelThread { get; set; }

    /// <summary>Already exiting when recorded (<see cref="Model.ProcessSample.Exiting"/>); written only when true,
    /// absent = false.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool Exiting { get; set; }
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(SnapshotDocument))]
internal sealed partial class SnapshotJsonContext : JsonSerializerContext;
