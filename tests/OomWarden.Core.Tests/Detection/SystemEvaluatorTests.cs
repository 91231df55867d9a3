using OomWarden.Core.Detection;
using OomWarden.Core.Model;
using OomWarden.Core.Settings;

namespace OomWarden.Core.Tests.Detection;

public sealed class SystemEvaluatorTests
{
    private const long GiB = 1L << 30;
    private const long MiB = 1L << 20;

    private static MemoryInfo Mem(long total, long available, long swapTotal = 0, long swapFree = 0) =>
        new(total, available / 2, available, 0, swapTotal, swapFree, 0, 0, 0);

    public static TheoryData<long, long, long, Combine, PressureLevel> Cases => new()
    {
        // MemAvailable of 10 GiB, no swap: 10% term = 1 GiB, 5% kill = 512 MiB.
        { 5 * GiB, 0, 0, Combine.And, PressureLevel.None },
        { GiB + MiB, 0, 0, Combine.And, PressureLevel.Prepare },
        { GiB, 0, 0, Combine.And, PressureLevel.Term },
        { 512 * MiB, 0, 0, Combine.And, PressureLevel.Kill },
        // Swap with plenty free: AND waits for swap too, OR acts on memory alone.
        { GiB / 2, 8 * GiB, 8 * GiB, Combine.And, PressureLevel.None },
        { GiB / 2, 8 * GiB, 8 * GiB, Combine.Or, PressureLevel.Kill },
        // Both low.
        { GiB / 2, 8 * GiB, GiB / 2, Combine.And, PressureLevel.Term },
        { GiB / 4, 8 * GiB, GiB / 4, Combine.And, PressureLevel.Kill },
        // OR with no swap: memory alone decides (no swap does not count as "swap low").
        { 5 * GiB, 0, 0, Combine.Or, PressureLevel.None },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Levels(long available, long swapTotal, long swapFree, Combine combine, PressureLevel expected)
    {
        var t = new SystemThresholds { Combine = combine };
        var r = SystemEvaluator.Evaluate(Mem(10 * GiB, available, swapTotal, swapFree), t, prepareMarginBytes: 256 * MiB);
        Assert.Equal(expected, r.Level);
    }

    [Fact]
    public void Byte_thresholds_and_distance()
    {
        var t = new SystemThresholds { MemAvailableTerm = Threshold.FromBytes(2 * GiB), MemAvailableKill = Threshold.FromBytes(GiB) };
        var r = SystemEvaluator.Evaluate(Mem(10 * GiB, 3 * GiB), t, 0);
        Assert.Equal(PressureLevel.None, r.Level);
        Assert.Equal(GiB, r.DistanceToTermBytes);
    }

    [Fact]
    public void Reason_names_the_numbers()
    {
        var t = new SystemThresholds();
        string s = SystemEvaluator.Describe(Mem(10 * GiB, 900 * MiB), t, PressureLevel.Term);
        Assert.Equal("MemAvailable 900.0 MiB (8.8%) <= term level 1.0 GiB (10%), no swap", s);
    }
}
