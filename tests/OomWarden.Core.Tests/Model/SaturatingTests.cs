using OomWarden.Core.Decisions;
using OomWarden.Core.Model;

namespace OomWarden.Core.Tests.Model;

/// <summary>Sums of kernel figures clamp instead of wrapping (issue 8: VmRSS + VmSwap near 2^62 wrapped to
/// long.MinValue, and HumanBytes.Format then recursed until the stack overflowed).</summary>
public class SaturatingTests
{
    private const long Near62 = 1L << 62;

    [Theory]
    [InlineData(1, 2, 3)]
    [InlineData(Near62, Near62, long.MaxValue)]
    [InlineData(long.MaxValue, 1, long.MaxValue)]
    [InlineData(long.MinValue, -1, long.MinValue)]
    [InlineData(long.MinValue, long.MaxValue, -1)]
    [InlineData(-5, 3, -2)]
    public void Add_clamps_at_the_ends(long a, long b, long expected) => Assert.Equal(expected, Saturating.Add(a, b));

    [Theory]
    [InlineData(5, 3, 2)]
    [InlineData(long.MinValue, 1, long.MinValue)]
    [InlineData(long.MaxValue, -1, long.MaxValue)]
    [InlineData(0, long.MinValue, long.MaxValue)]
    public void Subtract_clamps_at_the_ends(long a, long b, long expected) => Assert.Equal(expected, Saturating.Subtract(a, b));

    [Theory]
    [InlineData(3, 4, 12)]
    [InlineData(Near62, 4, long.MaxValue)]
    [InlineData(-Near62, 4, long.MinValue)]
    public void Multiply_clamps_at_the_ends(long a, long b, long expected) => Assert.Equal(expected, Saturating.Multiply(a, b));

    [Fact]
    public void A_footprint_near_two_to_the_62_does_not_wrap_negative()
    {
        var p = new ProcessSample { Pid = 10, Comm = "hog", RssBytes = Near62, SwapBytes = Near62, PageTablesBytes = Near62 };
        Assert.Equal(long.MaxValue, p.FootprintBytes);
    }

    [Fact]
    public void Kernel_badness_of_huge_figures_does_not_wrap()
    {
        var p = new ProcessSample { Pid = 10, Comm = "hog", RssBytes = long.MaxValue, SwapBytes = long.MaxValue, PageTablesBytes = long.MaxValue, OomScoreAdj = 1000 };
        long points = KernelBadness.Points(p, long.MaxValue, 4096);
        Assert.True(points > 0, $"points {points}");
        Assert.True(KernelBadness.OomScore(p, long.MaxValue, 4096) > 0);
        Assert.Equal(1000, KernelBadness.OomScore(p, 4096 * 10, 4096, before59: true));
    }

    [Fact]
    public void Kernel_badness_rejects_a_zero_page_size()
    {
        var p = new ProcessSample { Pid = 10, Comm = "x", RssBytes = 4096 };
        Assert.Throws<ArgumentOutOfRangeException>(() => KernelBadness.Points(p, 1L << 30, 0));
    }

    [Fact]
    public void Swap_used_never_wraps()
    {
        var m = new MemoryInfo(1, 1, 1, 0, long.MinValue, long.MaxValue, 0, 0, 0);
        Assert.Equal(long.MinValue, m.SwapUsedBytes);
    }
}
