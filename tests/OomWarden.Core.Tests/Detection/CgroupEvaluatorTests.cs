using OomWarden.Core.Detection;
using OomWarden.Core.Model;
using OomWarden.Core.Settings;

namespace OomWarden.Core.Tests.Detection;

public sealed class CgroupEvaluatorTests
{
    private const long MiB = 1L << 20;
    private static readonly CgroupThresholds T = new(); // term at 5 % headroom, kill at 2 %

    [Theory]
    [InlineData(100, 0, PressureLevel.None)]
    [InlineData(490, 0, PressureLevel.Term)]       // 22 MiB headroom <= 25.6 MiB
    [InlineData(505, 0, PressureLevel.Kill)]       // 7 MiB <= 10.24 MiB
    [InlineData(505, 300, PressureLevel.None)]     // page cache is headroom: working set 205 MiB
    [InlineData(480, 0, PressureLevel.Prepare)]    // 32 MiB headroom, within the 16 MiB margin of the term level
    public void Levels_count_inactive_file_as_headroom(long usageMiB, long inactiveFileMiB, PressureLevel expected)
    {
        var m = new CgroupMemory(usageMiB * MiB, 512 * MiB, CgroupMemory.Unlimited, inactiveFileMiB * MiB, 0);
        Assert.Equal(expected, CgroupEvaluator.Evaluate(m, T, prepareMarginBytes: 16 * MiB).Level);
    }

    [Fact]
    public void Unlimited_cgroup_is_never_short()
    {
        var m = new CgroupMemory(long.MaxValue - 1, CgroupMemory.Unlimited, CgroupMemory.Unlimited, 0, 0);
        Assert.Equal(PressureLevel.None, CgroupEvaluator.Evaluate(m, T, 0).Level);
    }

    [Fact]
    public void Usage_distance_is_a_lower_bound_of_the_real_distance()
    {
        var m = new CgroupMemory(400 * MiB, 512 * MiB, CgroupMemory.Unlimited, 50 * MiB, 0);
        long lower = CgroupEvaluator.UsageDistanceToTerm(m.UsageBytes, m.LimitBytes, T);
        Assert.True(lower <= CgroupEvaluator.Evaluate(m, T, 0).DistanceToTermBytes);
    }
}
