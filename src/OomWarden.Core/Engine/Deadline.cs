namespace OomWarden.Core.Engine;

/// <summary>How long the loop may sleep before a deadline on a timestamp clock (TimeProvider.GetTimestamp and its
/// TimestampFrequency). Integer arithmetic only: no double, no libm call on the loop's path.</summary>
public static class Deadline
{
    /// <summary>No deadline.</summary>
    public const long None = long.MaxValue;

    private static readonly UInt128 MaxMilliseconds = (UInt128)(TimeSpan.MaxValue.Ticks / TimeSpan.TicksPerMillisecond);

    /// <summary>Zero when <paramref name="deadline"/> is due (at or before <paramref name="now"/>); otherwise the time
    /// left rounded up to the next whole millisecond, so that a wake-up after it finds the deadline passed (epoll counts
    /// milliseconds; rounding down would wake just before and spin); <see cref="TimeSpan.MaxValue"/> for
    /// <see cref="None"/> or a deadline further than a TimeSpan can say.</summary>
    public static TimeSpan Until(long deadline, long now, long frequency)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(frequency);
        if (deadline == None) return TimeSpan.MaxValue;
        if (deadline <= now) return TimeSpan.Zero;
        ulong left = unchecked((ulong)deadline - (ulong)now); // exact: 0 < deadline - now < 2^64
        UInt128 ms = ((UInt128)left * 1000 + (ulong)frequency - 1) / (ulong)frequency;
        return ms > MaxMilliseconds ? TimeSpan.MaxValue : TimeSpan.FromTicks((long)ms * TimeSpan.TicksPerMillisecond);
    }
}
