using OomWarden.Core.Model;

namespace OomWarden.Core.Decisions;

/// <summary>The kernel's oom_badness() (mm/oom_kill.c), reproduced so explain can show the kernel's own view.
/// Saturating: figures near 2^63 (a broken file, a hostile snapshot) clamp instead of wrapping.</summary>
public static class KernelBadness
{
    public const int OomScoreAdjMin = -1000;

    /// <summary>points = rss + swap + pagetables (pages) + adj × totalpages / 1000; long.MinValue when unkillable.</summary>
    public static long Points(ProcessSample process, long domainTotalBytes, long pageSizeBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(pageSizeBytes);
        if (process.OomScoreAdj == OomScoreAdjMin || process.OomScoreAdjUnreadable || process.IsKernelThread || process.Pid == 1)
            return long.MinValue;
        long totalPages = domainTotalBytes / pageSizeBytes;
        long points = Saturating.Add(process.RssBytes / pageSizeBytes, process.SwapBytes / pageSizeBytes,
            process.PageTablesBytes / pageSizeBytes);
        points = Saturating.Add(points, Saturating.Multiply(process.OomScoreAdj, totalPages / 1000));
        // long.MinValue means "unkillable": a killable process never reads as that.
        return Math.Max(points, long.MinValue + 1);
    }

    /// <summary>/proc/PID/oom_score as proc_oom_score() prints it. Since Linux 5.9:
    /// <c>(1000 + points × 1000 / totalpages) × 2 / 3</c>, so 0..1333 (666 for a small process with adj 0);
    /// before 5.9 (<paramref name="before59"/>): <c>points × 1000 / totalpages</c> clamped to 0..1000.</summary>
    public static int OomScore(ProcessSample process, long domainTotalBytes, long pageSizeBytes, bool before59 = false)
    {
        long points = Points(process, domainTotalBytes, pageSizeBytes);
        if (points == long.MinValue) return 0;
        long totalPages = Math.Max(1, domainTotalBytes / pageSizeBytes);
        Int128 scaled = (Int128)points * 1000 / totalPages;
        if (before59) return (int)Int128.Clamp(scaled, 0, 1000);
        Int128 score = (1000 + scaled) * 2 / 3;
        return (int)Int128.Clamp(score, 0, int.MaxValue);
    }
}
