using OomWarden.Linux.Loop;

namespace OomWarden.Linux.Tests.Loop;

public class PollTimeoutTests
{
    [Theory]
    [InlineData(0L, 0)]
    [InlineData(-10_000L, 0)]
    [InlineData(1L, 1)]                 // 100 ns: rounded up, never a busy 0
    [InlineData(10_000L, 1)]
    [InlineData(10_001L, 2)]
    [InlineData(4_000L, 1)]
    [InlineData(50_000_000L, 5000)]
    public void RoundsUpToWholeMilliseconds(long ticks, int expected) =>
        Assert.Equal(expected, PollTimeout.Milliseconds(TimeSpan.FromTicks(ticks)));

    [Fact]
    public void HugeTimeoutsStopAtIntMax()
    {
        Assert.Equal(int.MaxValue, PollTimeout.Milliseconds(TimeSpan.MaxValue));
        Assert.Equal(int.MaxValue, PollTimeout.Milliseconds(TimeSpan.FromDays(30)));
    }

    [Fact]
    public void AgreesWithMathCeiling()
    {
        var random = new Random(14);
        for (int i = 0; i < 100_000; i++)
        {
            var t = TimeSpan.FromTicks(random.NextInt64(1, 40L * 24 * 3600 * TimeSpan.TicksPerSecond));
            Assert.Equal((int)Math.Min(Math.Ceiling(t.TotalMilliseconds), int.MaxValue), PollTimeout.Milliseconds(t));
        }
    }
}
