namespace OomWarden.Core.Engine;

/// <summary>A <c>signal</c> record of an earlier instance with no closing record after it, as read from the
/// journal's tail at start.</summary>
public sealed record RecoveredSignal
{
    public required string SignalId { get; init; }
    public required DateTimeOffset Time { get; init; }
    public required int Pid { get; init; }
    public required ulong StartTimeTicks { get; init; }
    public required int Signal { get; init; }
    public required string Domain { get; init; }
    public string? Comm { get; init; }
    public string? Cgroup { get; init; }
    public string? Rule { get; init; }
    public string? Reason { get; init; }
    public long? FootprintBytes { get; init; }

    /// <summary>The grace the earlier instance gave; the engine's default when the record has none.</summary>
    public TimeSpan? Grace { get; init; }
}
