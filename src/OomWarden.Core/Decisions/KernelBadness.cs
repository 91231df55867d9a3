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

    /// <summary>/proc/PID/oom_score as proc_oom_score() prints it: points scaled to 0..2000.</summary>
    public static int OomScore(ProcessSample process, long domainTotalBytes, long pageSizeBytes)
    {
        long points = Points(process, domainTotalBytes, pageSizeBytes);
        if (points == long.MinValue) return 0;
        long totalPages = Math.Max(1, domainTotalBytes / pageSizeBytes);
        long score = 1000 + points * 1000 / totalPages;
        return (int)Math.Clamp(score, 0, 2000);
    }
}
