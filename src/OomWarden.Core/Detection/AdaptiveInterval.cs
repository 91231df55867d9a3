using OomWarden.Core.Settings;

namespace OomWarden.Core.Detection;

/// <summary>How long the daemon may sleep: the time the worst expected fill rate needs to cover
/// the distance to the term level, within [MinInterval, MaxInterval].</summary>
public static class AdaptiveInterval
{
    public static TimeSpan Next(long distanceToTermBytes, MonitorSettings m)
    {
        if (distanceToTermBytes <= 0) return m.MinInterval;
        double seconds = (double)distanceToTermBytes / Math.Max(1, m.MaxFillRateBytesPerSecond);
        if (seconds >= m.MaxInterval.TotalSeconds) return m.MaxInterval;
        var t = TimeSpan.FromTicks((long)(seconds * TimeSpan.TicksPerSecond));
        return t < m.MinInterval ? m.MinInterval : t;
    }

    /// <summary>The shortest sleep a warning level's distance asks for: warnings are not worth a faster poll.</summary>
    public static readonly TimeSpan WarningMinInterval = TimeSpan.FromMilliseconds(10);

    /// <summary>How long one domain may go unread: the time the worst fill rate needs to cover its distance to the
    /// term level, or to its next warning level (no less than <see cref="WarningMinInterval"/>; long.MaxValue: none),
    /// whichever is shorter.</summary>
    public static TimeSpan Next(long distanceToTermBytes, long distanceToWarningBytes, MonitorSettings m)
    {
        var t = Next(distanceToTermBytes, m);
        if (distanceToWarningBytes == long.MaxValue) return t;
        var w = Next(distanceToWarningBytes, m);
        if (w < WarningMinInterval) w = WarningMinInterval;
        return w < t ? w : t;
    }

    /// <summary>The margin above the term level inside which a decision is prepared ahead of time:
    /// what the worst fill rate covers in a quarter second.</summary>
    public static long PrepareMarginBytes(MonitorSettings m) => m.MaxFillRateBytesPerSecond / 4;
}
