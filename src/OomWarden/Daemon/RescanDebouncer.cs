using OomWarden.Core.Engine;

namespace OomWarden.Daemon;

/// <summary>When to re-list the cgroup tree. A burst of inotify events (2,000 mkdir/rmdir in a few seconds) is
/// coalesced into one re-listing per <see cref="MinGap"/> at most; after a re-listing caused by a change, two
/// follow-ups look again 1 s and 5 s later (a new cgroup usually gets its limit a moment after mkdir); and
/// every <c>rescan_interval</c> as a safety net. Pure: time comes from the <see cref="TimeProvider"/>.</summary>
public sealed class RescanDebouncer
{
    public static readonly TimeSpan MinGap = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan FirstFollowUp = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan SecondFollowUp = TimeSpan.FromSeconds(4);

    private readonly TimeProvider _time;
    private long _last;
    private bool _pending;
    private long _followUpAt = long.MaxValue;
    private int _followUpsLeft;

    public RescanDebouncer(TimeProvider time, TimeSpan rescanInterval)
    {
        _time = time;
        Interval = rescanInterval;
        _last = time.GetTimestamp();
    }

    /// <summary>The safety-net interval (<c>rescan_interval</c>); a reload may change it.</summary>
    public TimeSpan Interval { get; set; }

    /// <summary>Re-listings done.</summary>
    public long Rescans { get; private set; }

    /// <summary>No change pending and no follow-up scheduled: a burst (if any) is over.</summary>
    public bool IsQuiet => !_pending && _followUpAt == long.MaxValue;

    /// <summary>inotify said a cgroup directory was created or removed.</summary>
    public void TreeChanged() => _pending = true;

    public bool IsDue() => UntilDue() == TimeSpan.Zero;

    /// <summary>How long until the next re-listing is due (zero when it is).</summary>
    public TimeSpan UntilDue()
    {
        long now = _time.GetTimestamp();
        long due = Add(_last, Ticks(Interval));
        if (_pending) due = Math.Min(due, Add(_last, Ticks(MinGap)));
        due = Math.Min(due, _followUpAt);
        return Deadline.Until(due, now, _time.TimestampFrequency);
    }

    /// <summary>Call after every re-listing (including the first, at start).</summary>
    public void Rescanned()
    {
        long now = _time.GetTimestamp();
        Rescans++;
        if (_pending)
        {
            _pending = false;
            _followUpsLeft = 2;
            _followUpAt = now + Ticks(FirstFollowUp);
        }
        else if (now >= _followUpAt)
        {
            _followUpAt = --_followUpsLeft > 0 ? now + Ticks(SecondFollowUp) : long.MaxValue;
        }
        _last = now;
    }

    private long Ticks(TimeSpan span)
    {
        double ticks = span.TotalSeconds * _time.TimestampFrequency;
        return ticks >= long.MaxValue / 2 ? long.MaxValue / 2 : (long)ticks;
    }

    private static long Add(long a, long b) => a > long.MaxValue - b ? long.MaxValue : a + b;
}
