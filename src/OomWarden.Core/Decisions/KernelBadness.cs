using OomWarden.Core.Model;

namespace OomWarden.Core.Decisions;

/// <summary>The kernel's oom_badness() (mm/oom_kill.c), reproduced so explain can show the kernel's own view.</summary>
public static class KernelBadness
{
    public const int OomScoreAdjMin = -1000;

    /// <summary>points = rss + swap + pagetables (pages) + adj × totalpages / 1000; long.MinValue when unkillable.</summary>
    public static long Points(ProcessSample process, long domainTotalBytes, long pageSizeBytes)
    {
        if (process.OomScoreAdj == OomScoreAdjMin || process.IsKernelThread || process.Pid == 1)
            return long.MinValue;
        long totalPages = domainTotalBytes / pageSizeBytes;
        long points = process.RssBytes / pageSizeBytes + process.SwapBytes / pageSizeBytes
            + process.PageTablesBytes / pageSizeBytes;
        points += process.OomScoreAdj * (totalPages / 1000);
        return points;
    }

    /// <summary>/proc/PID/oom_score as proc_oom_score() prints it. Since Linux 5.9:
    /// <c>(1000 + points × 1000 / totalpages) × 2 / 3</c>, so 0..1333 (666 for a small process with adj 0);
    /// before 5.9 (<paramref name="before59"/>): <c>points × 1000 / totalpages</c> clamped to 0..1000.</summary>
    public static int OomScore(ProcessSample process, long domainTotalBytes, long pageSizeBytes, bool before59 = false)
    {
        long points = Points(process, domainTotalBytes, pageSizeBytes);
        if (points == long.MinValue) return 0;
        long totalPages = Math.Max(1, domainTotalBytes / pageSizeBytes);
        if (before59) return (int)Math.Clamp(points * 1000 / totalPages, 0, 1000);
        long score = (1000 + points * 1000 / totalPages) * 2 / 3;
        return (int)Math.Max(0, score);
    }
}
