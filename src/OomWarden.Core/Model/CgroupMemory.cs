namespace OomWarden.Core.Model;

/// <summary>Memory figures of one cgroup, in bytes. <see cref="Unlimited"/> stands for "max".</summary>
/// <param name="UsageBytes">v2 memory.current, v1 memory.usage_in_bytes.</param>
/// <param name="LimitBytes">v2 memory.max, v1 memory.limit_in_bytes (huge values mean unlimited).</param>
/// <param name="HighBytes">v2 memory.high; Unlimited on v1.</param>
/// <param name="InactiveFileBytes">memory.stat inactive_file (v1: total_inactive_file): reclaimable headroom.</param>
/// <param name="SwapBytes">v2 memory.swap.current, v1 memsw.usage − usage; 0 when unknown.</param>
public readonly record struct CgroupMemory(
    long UsageBytes,
    long LimitBytes,
    long HighBytes,
    long InactiveFileBytes,
    long SwapBytes)
{
    public const long Unlimited = long.MaxValue;

    public bool HasLimit => LimitBytes != Unlimited;

    /// <summary>Usage minus reclaimable inactive page cache, as kubelet's working set.</summary>
    public long WorkingSetBytes => Math.Max(0, UsageBytes - InactiveFileBytes);
}
