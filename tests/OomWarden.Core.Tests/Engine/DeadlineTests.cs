using OomWarden.Core.Engine;

namespace OomWarden.Core.Tests.Engine;

/// <summary>Deadline.Until: zero once due, the time left rounded up to whole milliseconds, MaxValue for none or too far.</summary>
public class DeadlineTests
{
    private const long Ns = 1_000_000_000; // Stopwatch.Frequency on Linux

    [Theory]
    [InlineData(100, 100)]
    [InlineData(99, 100)]
    [InlineData(long.MinValue, 0)]
    [InlineData(0, long.MaxValue - 1)]
    public void A_deadline_at_or_before_now_is_zero(long deadline, long now) =>
        Assert.Equal(TimeSpan.Zero, Deadline.Until(deadline, now, Ns));

    [Fact]
    public void No_deadline_is_max() => Assert.Equal(TimeSpan.MaxValue, Deadline.Until(Deadline.None, 0, Ns));

    [Theory]
    [InlineData(1, 1)]                 // 1 ns left: a whole millisecond, never a zero that spins
    [InlineData(400_000, 1)]           // 0.4 ms
    [InlineData(999_999, 1)]
    [InlineData(1_000_000, 1)]         // exactly 1 ms stays 1 ms
    [InlineData(1_000_001, 2)]
    [InlineData(2_500_000_000, 2500)]  // 2.5 s
    public void The_time_left_is_rounded_up_to_the_next_millisecond(long leftNs, long ms) =>
        Assert.Equal(TimeSpan.FromMilliseconds(ms), Deadline.Until(5_000_000_000 + leftNs, 5_000_000_000, Ns));

    [Fact]
    public void Other_frequencies_round_up_too()
    {
        Assert.Equal(TimeSpan.FromMilliseconds(1500), Deadline.Until(15, 0, 10));              // 10 Hz: 1.5 s
        Assert.Equal(TimeSpan.FromMilliseconds(1), Deadline.Until(1, 0, TimeSpan.TicksPerSecond)); // one 100 ns tick
        Assert.Equal(TimeSpan.FromMilliseconds(334), Deadline.Until(1, 0, 3));                 // 333.3.. ms
    }

    [Fact]
    public void Far_deadlines_do_not_overflow()
    {
        // The whole long range in ns: about 584 years, well inside a TimeSpan, computed without overflow.
        var span = Deadline.Until(long.MaxValue - 1, long.MinValue, Ns);
        Assert.Equal(TimeSpan.FromMilliseconds(18_446_744_073_710), span); // ceil((2^64 - 2) ns / 1e6)
        // At 1 Hz the same range is more than a TimeSpan holds: MaxValue, not an exception.
        Assert.Equal(TimeSpan.MaxValue, Deadline.Until(long.MaxValue - 1, long.MinValue, 1));
        Assert.Equal(TimeSpan.MaxValue, Deadline.Until(long.MaxValue - 1, 0, 1));
    }

    [Fact]
    public void A_frequency_of_zero_is_refused() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => Deadline.Until(1, 0, 0));
}
