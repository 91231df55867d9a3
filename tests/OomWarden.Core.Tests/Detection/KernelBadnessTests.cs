using OomWarden.Core.Decisions;
using OomWarden.Core.Model;

namespace OomWarden.Core.Tests.Detection;

public sealed class KernelBadnessTests
{
    private const long Page = 4096;

    private static ProcessSample P(long rssPages, int adj, long swapPages = 0, long ptPages = 0, int pid = 100) => new()
    {
        Pid = pid,
        Comm = "x",
        RssBytes = rssPages * Page,
        SwapBytes = swapPages * Page,
        PageTablesBytes = ptPages * Page,
        OomScoreAdj = adj,
    };

    [Fact]
    public void Points_follow_oom_badness()
    {
        long total = 1_000_000 * Page;
        Assert.Equal(1000 + 10 + 2, KernelBadness.Points(P(1000, 0, 10, 2), total, Page));
        Assert.Equal(1000 + 500 * 1000, KernelBadness.Points(P(1000, 500), total, Page));
        Assert.Equal(1000 - 100 * 1000, KernelBadness.Points(P(1000, -100), total, Page));
    }

    [Fact]
    public void Unkillable_processes_score_zero()
    {
        long total = 1_000_000 * Page;
        Assert.Equal(long.MinValue, KernelBadness.Points(P(1000, -1000), total, Page));
        Assert.Equal(long.MinValue, KernelBadness.Points(P(1000, 0, pid: 1), total, Page));
        Assert.Equal(0, KernelBadness.OomScore(P(1000, -1000), total, Page));
    }

    [Fact]
    public void Oom_score_is_scaled_as_proc_oom_score_does_since_5_9()
    {
        long total = 1_000_000 * Page;
        // Half the domain with adj 0: (1000 + 500) × 2/3 = 1000.
        Assert.Equal(1000, KernelBadness.OomScore(P(500_000, 0), total, Page));
        Assert.Equal(1666, KernelBadness.OomScore(P(500_000, 1000), total, Page)); // (1000 + 500 + 1000) × 2/3
        // An empty process with adj 0 shows 666, with adj 1000 1333 (1332 on this host, whose totalpages
        // is not a multiple of 1000: the kernel's totalpages / 1000 truncates).
        Assert.Equal(666, KernelBadness.OomScore(P(0, 0), total, Page));
        Assert.Equal(1333, KernelBadness.OomScore(P(0, 1000), total, Page));
        Assert.Equal(1332, KernelBadness.OomScore(P(0, 1000), 6_170_999 * Page, Page));
        Assert.Equal(500, KernelBadness.OomScore(P(500_000, 0), total, Page, before59: true));
    }
}
