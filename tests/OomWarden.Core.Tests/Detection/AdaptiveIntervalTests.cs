using OomWarden.Core.Detection;
using OomWarden.Core.Settings;

namespace OomWarden.Core.Tests.Detection;

public sealed class AdaptiveIntervalTests
{
    private static readonly MonitorSettings M = new()
    {
        MinInterval = TimeSpan.FromMilliseconds(1),
        MaxInterval = TimeSpan.FromSeconds(10),
        MaxFillRateBytesPerSecond = 1L << 30,
    };

    [Theory]
    [InlineData(0L, 1.0)]
    [InlineData(-5L, 1.0)]
    [InlineData(1L << 20, 1.0)]           // 1 MiB at 1 GiB/s ≈ 0.98 ms → clamped to the 1 ms floor
    [InlineData(100L << 20, 97.65625)]    // 100 MiB at 1 GiB/s
    [InlineData(1L << 30, 1000.0)]
    [InlineData(100L << 30, 10000.0)]     // capped at MaxInterval
    public void Sleep_is_the_time_the_worst_fill_rate_needs(long distanceBytes, double expectedMs)
    {
        Assert.Equal(expectedMs, AdaptiveInterval.Next(distanceBytes, M).TotalMilliseconds, precision: 3);
    }

    [Fact]
    public void Sleep_shrinks_as_headroom_shrinks()
    {
        var previous = TimeSpan.MaxValue;
        for (long d = 20L << 30; d > 0; d /= 2)
        {
            var next = AdaptiveInterval.Next(d, M);
            Assert.True(next <= previous);
            previous = next;
        }
    }
}
