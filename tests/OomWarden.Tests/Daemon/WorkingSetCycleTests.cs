using Microsoft.Extensions.Time.Testing;
using OomWarden.Core.Engine;
using OomWarden.Daemon;

namespace OomWarden.Tests.Daemon;

/// <summary>When the working set is trimmed (<see cref="WorkingSetCycle"/>): a window as long as a re-listing
/// interval and a margin, a re-listing before the drop when the window held none, a new cycle a period later.
/// Fake time; the loop is simulated by calling <see cref="WorkingSetCycle.Run"/> whenever its due time has come.</summary>
public sealed class WorkingSetCycleTests
{
    private sealed class Steps : IWorkingSetSteps
    {
        public List<string> Log { get; } = [];
        public bool CanBegin { get; set; } = true;
        public TimeSpan RescanInterval { get; set; } = TimeSpan.FromSeconds(30);
        public long Rescans { get; set; }
        public long Collections { get; set; }
        public TimeSpan Observed { get; private set; }

        public bool Begin()
        {
            Log.Add("begin");
            return CanBegin;
        }

        public void Finish(TimeSpan observed)
        {
            Log.Add("finish");
            Observed = observed;
        }

        /// <summary>What a whole idle cycle brings: a re-listing and a collection of the daemon's own.</summary>
        public void SteadyCycle()
        {
            Rescans++;
            Collections++;
        }

        public void Rescan()
        {
            Log.Add("rescan");
            Rescans++;
        }
    }

    private static readonly TimeSpan Hour = TimeSpan.FromHours(1);

    /// <summary>Advances to the cycle's due time (as the loop's sleep would) and runs it.</summary>
    private static TimeSpan RunWhenDue(FakeTimeProvider time, WorkingSetCycle cycle)
    {
        var wait = Deadline.Until(cycle.Due, time.GetTimestamp(), time.TimestampFrequency);
        time.Advance(wait);
        cycle.Run();
        return wait;
    }

    [Fact]
    public void The_first_cycle_begins_at_once_and_finishes_after_the_rescan_interval_and_the_margin()
    {
        var time = new FakeTimeProvider();
        var steps = new Steps();
        var cycle = new WorkingSetCycle(time, steps, Hour, firstAfter: TimeSpan.Zero);

        Assert.Equal(TimeSpan.Zero, RunWhenDue(time, cycle));
        Assert.Equal(["begin"], steps.Log);
        Assert.True(cycle.Observing);
        Assert.Equal(TimeSpan.FromSeconds(32), cycle.Window);

        steps.SteadyCycle(); // the periodic re-listing and a collection ran inside the window
        Assert.Equal(TimeSpan.FromSeconds(32), RunWhenDue(time, cycle));
        Assert.Equal(TimeSpan.FromSeconds(32), steps.Observed);
        Assert.Equal(["begin", "finish"], steps.Log);
        Assert.False(cycle.Observing);
        Assert.Equal(1, cycle.Cycles);
    }

    [Fact]
    public void A_first_window_makes_the_start_up_trim_short_and_the_later_cycles_whole()
    {
        var time = new FakeTimeProvider();
        var steps = new Steps();
        var cycle = new WorkingSetCycle(time, steps, Hour, firstAfter: TimeSpan.Zero, firstWindow: TimeSpan.FromSeconds(1));

        Assert.Equal(TimeSpan.Zero, RunWhenDue(time, cycle));
        Assert.Equal(TimeSpan.FromSeconds(1), cycle.Window);
        // No collection of its own in the second: the start-up trim does not wait for one (a re-listing runs first).
        Assert.Equal(TimeSpan.FromSeconds(1), RunWhenDue(time, cycle));
        Assert.Equal(["begin", "rescan", "finish"], steps.Log);
        Assert.Equal(1, cycle.Cycles);

        // The next one, an hour later, holds a whole idle cycle: 32 s, and then it waits for a collection.
        Assert.Equal(Hour, RunWhenDue(time, cycle));
        Assert.Equal(TimeSpan.FromSeconds(32), cycle.Window);
        Assert.Equal(TimeSpan.FromSeconds(32), RunWhenDue(time, cycle));
        Assert.True(cycle.Observing);
        steps.SteadyCycle();
        time.Advance(TimeSpan.FromSeconds(5));
        cycle.Run();
        Assert.False(cycle.Observing);
        Assert.Equal(2, cycle.Cycles);
    }

    [Fact]
    public void Run_before_the_due_time_does_nothing()
    {
        var time = new FakeTimeProvider();
        var steps = new Steps();
        var cycle = new WorkingSetCycle(time, steps, Hour, firstAfter: TimeSpan.FromSeconds(5));
        time.Advance(TimeSpan.FromSeconds(4.9));
        cycle.Run();
        Assert.Empty(steps.Log);
        time.Advance(TimeSpan.FromSeconds(0.1));
        cycle.Run();
        Assert.Equal(["begin"], steps.Log);
        time.Advance(TimeSpan.FromSeconds(31));
        cycle.Run();
        Assert.Equal(["begin"], steps.Log); // the window is not over
    }

    [Fact]
    public void A_window_that_held_no_re_listing_gets_one_before_the_drop()
    {
        var time = new FakeTimeProvider();
        var steps = new Steps { RescanInterval = TimeSpan.FromMinutes(10) };
        var cycle = new WorkingSetCycle(time, steps, Hour, firstAfter: TimeSpan.Zero);
        RunWhenDue(time, cycle);
        steps.Collections++;
        Assert.Equal(WorkingSetCycle.MaxWindow, cycle.Window);
        Assert.Equal(WorkingSetCycle.MaxWindow, RunWhenDue(time, cycle));
        Assert.Equal(["begin", "rescan", "finish"], steps.Log);
    }

    [Fact]
    public void A_window_that_held_a_re_listing_does_not_add_one()
    {
        var time = new FakeTimeProvider();
        var steps = new Steps();
        var cycle = new WorkingSetCycle(time, steps, Hour, firstAfter: TimeSpan.Zero);
        RunWhenDue(time, cycle);
        steps.Rescans += 2;
        steps.Collections++;
        RunWhenDue(time, cycle);
        Assert.DoesNotContain("rescan", steps.Log);
    }

    [Fact]
    public void The_next_cycle_begins_a_period_after_the_finish_and_again_every_period()
    {
        var time = new FakeTimeProvider();
        var steps = new Steps();
        var cycle = new WorkingSetCycle(time, steps, Hour, firstAfter: TimeSpan.Zero);
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(i == 0 ? TimeSpan.Zero : Hour, RunWhenDue(time, cycle)); // begin
            steps.SteadyCycle();
            Assert.Equal(TimeSpan.FromSeconds(32), RunWhenDue(time, cycle)); // finish
        }
        Assert.Equal(3, cycle.Cycles);
        Assert.Equal(["begin", "finish", "begin", "finish", "begin", "finish"], steps.Log);
    }

    [Fact]
    public void A_late_run_counts_the_period_from_the_finish_not_from_the_due_time()
    {
        var time = new FakeTimeProvider();
        var steps = new Steps();
        var cycle = new WorkingSetCycle(time, steps, Hour, firstAfter: TimeSpan.Zero);
        RunWhenDue(time, cycle);
        steps.SteadyCycle();
        // The loop was not calm when the window ended: the finish runs 10 s late.
        time.Advance(TimeSpan.FromSeconds(42));
        cycle.Run();
        Assert.False(cycle.Observing);
        Assert.Equal(Hour, Deadline.Until(cycle.Due, time.GetTimestamp(), time.TimestampFrequency));
    }

    [Fact]
    public void A_begin_that_finds_nothing_to_do_tries_again_a_period_later_without_a_window()
    {
        var time = new FakeTimeProvider();
        var steps = new Steps { CanBegin = false };
        var cycle = new WorkingSetCycle(time, steps, Hour, firstAfter: TimeSpan.Zero);
        RunWhenDue(time, cycle);
        Assert.False(cycle.Observing);
        steps.CanBegin = true;
        Assert.Equal(Hour, RunWhenDue(time, cycle));
        Assert.True(cycle.Observing);
        Assert.Equal(["begin", "begin"], steps.Log);
        Assert.Equal(0, cycle.Cycles);
    }

    [Fact]
    public void Each_window_follows_the_rescan_interval_at_its_begin()
    {
        var time = new FakeTimeProvider();
        var steps = new Steps { RescanInterval = TimeSpan.FromSeconds(2) };
        var cycle = new WorkingSetCycle(time, steps, TimeSpan.FromSeconds(5), firstAfter: TimeSpan.Zero);
        RunWhenDue(time, cycle);
        steps.SteadyCycle();
        steps.RescanInterval = TimeSpan.FromSeconds(60); // a reload while the window runs: this window keeps its end
        Assert.Equal(TimeSpan.FromSeconds(4), RunWhenDue(time, cycle));
        RunWhenDue(time, cycle);
        Assert.Equal(TimeSpan.FromSeconds(62), cycle.Window);
    }

    [Fact]
    public void Past_its_minimum_the_window_waits_for_a_collection_of_the_daemon_s_own_without_a_wake_up_of_its_own()
    {
        var time = new FakeTimeProvider();
        var steps = new Steps();
        var cycle = new WorkingSetCycle(time, steps, Hour, firstAfter: TimeSpan.Zero);
        RunWhenDue(time, cycle);
        steps.Rescans++;
        RunWhenDue(time, cycle); // 32 s: no collection yet
        Assert.True(cycle.Observing);
        Assert.True(cycle.Due <= time.GetTimestamp()); // still due: the loop's own wake-ups look again, none is added
        time.Advance(TimeSpan.FromSeconds(10)); // the loop's next wake-up (max_interval)
        cycle.Run();
        Assert.True(cycle.Observing);
        steps.Collections++;
        time.Advance(TimeSpan.FromSeconds(10));
        cycle.Run();
        Assert.False(cycle.Observing);
        Assert.Equal(TimeSpan.FromSeconds(52), steps.Observed);
        Assert.Equal(["begin", "finish"], steps.Log);
    }

    [Fact]
    public void A_window_without_any_collection_ends_at_the_longest_window()
    {
        var time = new FakeTimeProvider();
        var steps = new Steps();
        var cycle = new WorkingSetCycle(time, steps, Hour, firstAfter: TimeSpan.Zero);
        RunWhenDue(time, cycle);
        steps.Rescans += 4;
        for (int i = 0; i < 12; i++)
        {
            time.Advance(TimeSpan.FromSeconds(10));
            cycle.Run();
            Assert.Equal(i < 11, cycle.Observing);
        }
        Assert.Equal(WorkingSetCycle.MaxWindow, steps.Observed);
    }

    [Theory]
    [InlineData(1, 3)]
    [InlineData(30, 32)]
    [InlineData(118, 120)]
    [InlineData(119, 120)]
    [InlineData(3600, 120)]
    public void The_window_is_the_rescan_interval_and_a_margin_up_to_two_minutes(int rescanSeconds, int windowSeconds)
    {
        Assert.Equal(TimeSpan.FromSeconds(windowSeconds), WorkingSetCycle.WindowFor(TimeSpan.FromSeconds(rescanSeconds)));
        Assert.Equal(WorkingSetCycle.MaxWindow, WorkingSetCycle.WindowFor(TimeSpan.MaxValue));
    }

    [Fact]
    public void Due_is_read_without_allocating()
    {
        var time = new FakeTimeProvider();
        var cycle = new WorkingSetCycle(time, new Steps(), Hour, firstAfter: TimeSpan.FromMinutes(1));
        long before = GC.GetAllocatedBytesForCurrentThread();
        long sum = 0;
        for (int i = 0; i < 1000; i++)
        {
            sum += cycle.Due;
            cycle.Run(); // not due: nothing runs
        }
        Assert.Equal(before, GC.GetAllocatedBytesForCurrentThread());
        Assert.NotEqual(0, sum);
    }
}
