using OomWarden.Core.Engine;

namespace OomWarden.Daemon;

/// <summary>The steps of one working-set trim (docs/DESIGN.md, "The working set by the accessed bit"): what
/// <see cref="WorkingSetCycle"/> schedules. The daemon's are <c>Commands.StartupFootprint.TrimSteps</c>.</summary>
public interface IWorkingSetSteps
{
    /// <summary>Splits the read-only file mappings page by page, clears the accessed bits and rehearses the crossing
    /// path. False when there is nothing to trim (or it failed): no window then.</summary>
    bool Begin();

    /// <summary>Drops what was not accessed since <see cref="Begin"/> (<paramref name="observed"/> ago) and merges the
    /// mappings back.</summary>
    void Finish(TimeSpan observed);

    /// <summary><c>rescan_interval</c> now (a reload may change it): each window is sized at its begin.</summary>
    TimeSpan RescanInterval { get; }

    /// <summary>Re-listings of the cgroup tree done so far.</summary>
    long Rescans { get; }

    /// <summary>Garbage collections done so far (GC.CollectionCount(0): every collection collects generation 0).</summary>
    long Collections { get; }

    /// <summary>Re-lists the cgroup tree now.</summary>
    void Rescan();
}

/// <summary>When the working set is trimmed: a cycle begins (split, bits cleared, rehearsal) when it is due, and
/// finishes (drop what was not accessed, merge) when its window has held a whole idle cycle of the daemon: the
/// periodic re-listing of the cgroup tree (the window is at least <c>rescan_interval</c> and a margin) and a
/// garbage collection that the daemon's own allocations triggered (the rehearsal's induced ones take other paths),
/// up to <see cref="MaxWindow"/>; a window that saw no re-listing gets one just before the drop. Waiting for the
/// collection adds no wake-up: past the window's minimum the loop's own wake-ups look again. The next cycle begins one <see cref="Period"/> after a finish, so a rare path (a status request,
/// a reload, a kill) does not keep its pages resident for good, and every cycle rehearses the crossing path again.
/// Pure: time comes from the <see cref="TimeProvider"/>, the steps from <see cref="IWorkingSetSteps"/>.</summary>
public sealed class WorkingSetCycle : IIdleWork
{
    /// <summary>Between the finish of a cycle and the begin of the next.</summary>
    public static readonly TimeSpan DefaultPeriod = TimeSpan.FromHours(1);

    /// <summary>After the re-listing interval, the window waits this much more: the ticks that follow a re-listing
    /// (arming, the first reads of a new cgroup) count as the steady state too.</summary>
    public static readonly TimeSpan WindowMargin = TimeSpan.FromSeconds(2);

    /// <summary>The longest a window lasts (while it does, the kernel holds one mapping per page).</summary>
    public static readonly TimeSpan MaxWindow = TimeSpan.FromMinutes(2);

    private readonly TimeProvider _time;
    private readonly IWorkingSetSteps _steps;
    private long _due;
    private long _rescansAtBegin;
    private long _collectionsAtBegin;
    private long _begunAt;

    /// <param name="firstAfter">From now to the first begin (zero: the loop's first calm pass).</param>
    /// <param name="firstWindow">When set, the first cycle's window: a fixed span that waits for no collection (the
    /// start-up trim, part of start-up rather than of the idle minutes that follow); later cycles hold a whole idle
    /// cycle as described above.</param>
    public WorkingSetCycle(TimeProvider time, IWorkingSetSteps steps, TimeSpan period, TimeSpan firstAfter, TimeSpan? firstWindow = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(period, TimeSpan.Zero);
        _time = time;
        _steps = steps;
        Period = period;
        _firstWindow = firstWindow;
        _due = Add(time.GetTimestamp(), firstAfter);
    }

    private readonly TimeSpan? _firstWindow;

    /// <summary>The start-up trim's window (<c>firstWindow</c>): the rehearsal and a few ticks of the loop.</summary>
    public static readonly TimeSpan StartupWindow = TimeSpan.FromSeconds(1);

    private bool Short => Cycles == 0 && _firstWindow is not null;

    /// <summary>The shortest window of the cycle running, or of the last one.</summary>
    public TimeSpan Window { get; private set; }

    public TimeSpan Period { get; }

    /// <summary>Between a begin and its finish: the mappings are split, one per page.</summary>
    public bool Observing { get; private set; }

    /// <summary>Cycles finished.</summary>
    public int Cycles { get; private set; }

    public long Due => _due;

    /// <summary>The window for a <c>rescan_interval</c>: the interval and <see cref="WindowMargin"/>, at most
    /// <see cref="MaxWindow"/>.</summary>
    public static TimeSpan WindowFor(TimeSpan rescanInterval) =>
        rescanInterval >= MaxWindow - WindowMargin ? MaxWindow : rescanInterval + WindowMargin;

    public void Run()
    {
        long now = _time.GetTimestamp();
        if (now < _due) return;
        if (!Observing)
        {
            if (_steps.Begin())
            {
                Observing = true;
                Window = Short ? _firstWindow!.Value : WindowFor(_steps.RescanInterval);
                _rescansAtBegin = _steps.Rescans;
                _collectionsAtBegin = _steps.Collections;
                _begunAt = now;
                _due = Add(now, Window);
            }
            else _due = Add(now, Period);
            return;
        }
        var observed = _time.GetElapsedTime(_begunAt, now);
        // No collection of the daemon's own yet: the due time stays past, and the loop's next wake-up looks again.
        if (!Short && _steps.Collections == _collectionsAtBegin && observed < MaxWindow) return;
        // The window saw no re-listing (a rescan_interval longer than MaxWindow): one now, so its pages count as used.
        if (_steps.Rescans == _rescansAtBegin) _steps.Rescan();
        _steps.Finish(observed);
        Observing = false;
        Cycles++;
        _due = Add(_time.GetTimestamp(), Period);
    }

    private long Add(long timestamp, TimeSpan span)
    {
        double ticks = span.TotalSeconds * _time.TimestampFrequency;
        return ticks >= Deadline.None - timestamp ? Deadline.None - 1 : timestamp + (long)ticks;
    }
}
