namespace OomWarden.Core.Settings;

/// <summary>Config <c>[levels] reclaim_*</c>: proactive reclaim at the warning level <c>low</c> (cgroup v2). Which
/// cgroups may be reclaimed from is the policy's business (<c>reclaim = true</c> on a cgroup rule; off by default);
/// these say how much and how often.</summary>
public sealed record ReclaimSettings
{
    /// <summary>Bytes asked of <c>memory.reclaim</c> per step, or a percentage of the domain's total (MemTotal, a
    /// cgroup domain's limit); at least <see cref="MinStepBytes"/>, at most the cgroup's usage.</summary>
    public Threshold Step { get; init; } = Threshold.FromPercent(1);

    /// <summary>At most one step per domain, and per cgroup, this often.</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>A cgroup whose <c>memory.pressure</c> some avg10 is at or above this (percent), before or after a
    /// step, is not reclaimed from again until <see cref="RetryAfter"/> has passed.</summary>
    public double StopPsiSomeAvg10 { get; init; } = 1.0;

    /// <summary>A cgroup stopped (pressure, the kernel could not reclaim the whole step, a failed write) is tried
    /// again after this, while its domain is still at low. Not a key.</summary>
    public static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(30);

    /// <summary>Steps are never smaller than this (a tiny domain's 1 %), and a cgroup using less is skipped.</summary>
    public const long MinStepBytes = 1L << 20;

    public long StepBytes(long domainTotalBytes) => Math.Max(MinStepBytes, Step.ToBytes(domainTotalBytes));
}
