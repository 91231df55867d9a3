using System.Text.Json.Serialization;

namespace OomWarden.Core.Snapshot;

/// <summary>What the selector needs, recorded at one instant: the cgroup tree, the processes and the memory
/// figures. Format "oomwarden-snapshot", version 1; see docs/SNAPSHOT.md.</summary>
public sealed class SnapshotDocument
{
    public const string FormatName = "oomwarden-snapshot";
    public const int CurrentVersion = 1;

    [JsonPropertyOrder(-10)]
    public string Format { get; init; } = FormatName;

    [JsonPropertyOrder(-9)]
    public int Version { get; init; } = CurrentVersion;

    public DateTimeOffset Time { get; init; }

    public string Hostname { get; init; } = "";

    public long PageSizeBytes { get; init; } = 4096;

    /// <summary>The domain being acted on when the snapshot was taken ("/" for the system), if any.</summary>
    public string? Domain { get; init; }

    public SnapshotMemory Memory { get; init; } = new();

    /// <summary>Every cgroup, parents before children, the first being the root of the recorded tree.</summary>
    public List<SnapshotCgroup> Cgroups { get; init; } = [];
}

/// <summary>/proc/meminfo figures, bytes.</summary>
public sealed class SnapshotMemory
{
    public long MemTotalBytes { get; init; }
    public long MemFreeBytes { get; init; }
    public long MemAvailableBytes { get; init; }
    public long CachedBytes { get; init; }
    public long SwapTotalBytes { get; init; }
    public long SwapFreeBytes { get; init; }
    public long ShmemBytes { get; init; }
    public long DirtyBytes { get; init; }
    public long WritebackBytes { get; init; }
}

/// <summary>One cgroup and the processes attached directly to it. Limits are null when unlimited ("max").</summary>
public sealed class SnapshotCgroup
{
    public string Path { get; init; } = "/";
    public long UsageBytes { get; init; }
    public long? LimitBytes { get; init; }
    public long? HighBytes { get; init; }
    public long InactiveFileBytes { get; init; }
    public long SwapBytes { get; init; }
    public List<SnapshotProcess> Processes { get; init; } = [];
}

/// <summary>One process; its cgroup is the entry it is listed under.</summary>
public sealed class SnapshotProcess
{
    public int Pid { get; init; }
    public int ParentPid { get; init; }
    public ulong StartTimeTicks { get; init; }
    public string Comm { get; init; } = "";
    public string? Exe { get; init; }
    public string? Cmdline { get; init; }
    public int Uid { get; init; } = -1;
    public string? User { get; init; }
    public int OomScoreAdj { get; init; }

    /// <summary>The kernel's /proc/PID/oom_score at the time, -1 when not read.</summary>
    public int OomScore { get; init; } = -1;

    public long RssBytes { get; init; }
    public long SwapBytes { get; init; }
    public long PageTablesBytes { get; init; }
    public bool KernelThread { get; init; }
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(SnapshotDocument))]
internal sealed partial class SnapshotJsonContext : JsonSerializerContext;
