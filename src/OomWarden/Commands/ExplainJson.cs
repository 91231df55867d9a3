using System.Text.Json.Serialization;

namespace OomWarden.Commands;

/// <summary>The JSON form of <c>explain</c> and <c>simulate --json</c>: one object, documented in docs/POLICY.md.</summary>
public sealed class ExplainDocument
{
    /// <summary>"system" or the memcg path.</summary>
    public string Domain { get; init; } = "";
    public string DomainKind { get; init; } = "";

    /// <summary>The kernel's totalpages in bytes (RAM + swap, or the memcg limit).</summary>
    public long DomainTotalBytes { get; init; }
    public string Selector { get; init; } = "";
    public string Preset { get; init; } = "";
    public bool NothingToKill { get; init; }
    public string Summary { get; init; } = "";
    public ExplainProcess? Victim { get; init; }
    public string? VictimCgroup { get; init; }
    public ExplainAction? Action { get; init; }
    public List<ExplainLevel> Levels { get; init; } = [];
}

public sealed class ExplainProcess
{
    public int Pid { get; init; }
    public string Comm { get; init; } = "";
    public string Cgroup { get; init; } = "";
    public long FootprintBytes { get; init; }
    public int OomScoreAdj { get; init; }
    public int? OomScore { get; init; }
    public int ReproducedOomScore { get; init; }
}

public sealed class ExplainAction
{
    /// <summary>"process" or "cgroup".</summary>
    public string Mode { get; init; } = "";
    public string Signal { get; init; } = "";
    public int SignalNumber { get; init; }
    public long TermGraceMilliseconds { get; init; }
}

public sealed class ExplainLevel
{
    public string Cgroup { get; init; } = "";
    public List<ExplainCandidate> Candidates { get; init; } = [];
}

public sealed class ExplainCandidate
{
    /// <summary>True for the candidate the walk took at this level (always the first).</summary>
    public bool Taken { get; init; }

    /// <summary>"cgroup" or "process".</summary>
    public string Kind { get; init; } = "";
    public string Name { get; init; } = "";
    public int? Pid { get; init; }
    public int Priority { get; init; }
    public bool Protected { get; init; }
    public long FootprintBytes { get; init; }
    public string Rule { get; init; } = "";
    public string? Note { get; init; }

    /// <summary>The kernel's /proc/PID/oom_score when recorded (processes only).</summary>
    public int? OomScore { get; init; }

    /// <summary>oomwarden's reproduction of the kernel's badness, scaled like oom_score (processes only).</summary>
    public int? ReproducedOomScore { get; init; }

    /// <summary>ReproducedOomScore − OomScore, when both are known.</summary>
    public int? OomScoreDiff { get; init; }
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(ExplainDocument))]
internal sealed partial class ExplainJsonContext : JsonSerializerContext;
