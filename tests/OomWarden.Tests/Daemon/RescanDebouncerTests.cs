using Microsoft.Extensions.Time.Testing;
using OomWarden.Daemon;

namespace OomWarden.Tests.Daemon;

public sealed class RescanDebouncerTests
{
    /// <summary>Simulates the daemon's loop: one step per event (the loop wakes for each inotify read), rescanning
    /// whenever the debouncer says so.</summary>
    private static void Step(FakeTimeProvider time, RescanDebouncer d, TimeSpan by, bool treeEvent)
    {
        time.Advance(by);
        if (treeEvent) d.TreeChanged();
        if (d.IsDue()) d.Rescanned();
    }

    [Fact]
    public void A_burst_of_tree_events_is_coalesced_into_one_rescan_per_200_ms()
    {
        var time = new FakeTimeProvider();
        var d = new RescanDebouncer(time, TimeSpan.FromSeconds(60));
        d.Rescanned(); // at start

        // 2,000 mkdir/rmdir events in 8 s: one every 4 ms.
        for (int i = 0; i < 2000; i++) Step(time, d, TimeSpan.FromMilliseconds(4), treeEvent: true);

        long inBurst = d.Rescans - 1;
        Assert.InRange(inBurst, 35, 41); // 8 s / 200 ms = 40, not 2,000
    }

    [Fact]
    public void A_single_change_rescans_at_once_then_follows_up_after_1_s_and_5_s_only()
    {
        var time = new FakeTimeProvider();
        var d = new RescanDebouncer(time, TimeSpan.FromSeconds(60));
        d.Rescanned();
        time.Advance(TimeSpan.FromSeconds(3));

        d.TreeChanged();
        Assert.True(d.IsDue());
        d.Rescanned();
        Assert.Equal(TimeSpan.FromSeconds(1), d.UntilDue());

        var at = new List<double>();
        for (int ms = 0; ms < 30_000; ms += 10)
        {
            time.Advance(TimeSpan.FromMilliseconds(10));
            if (d.IsDue())
            {
                d.Rescanned();
                at.Add(Math.Round((ms + 10) / 1000.0, 2));
            }
        }
        Assert.Equal([1.0, 5.0], at);
    }

    [Fact]
    public void Without_events_the_safety_net_interval_applies()
    {
        var time = new FakeTimeProvider();
        var d = new RescanDebouncer(time, TimeSpan.FromSeconds(60));
        d.Rescanned();
        time.Advance(TimeSpan.FromSeconds(59));
        Assert.False(d.IsDue());
        Assert.Equal(TimeSpan.FromSeconds(1), d.UntilDue());
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(d.IsDue());
    }

    [Fact]
    public void A_change_right_after_a_rescan_waits_for_the_rest_of_the_200_ms()
    {
        var time = new FakeTimeProvider();
        var d = new RescanDebouncer(time, TimeSpan.FromSeconds(60));
        d.Rescanned();
        time.Advance(TimeSpan.FromMilliseconds(50));
        d.TreeChanged();
        Assert.False(d.IsDue());
        Assert.Equal(TimeSpan.FromMilliseconds(150), d.UntilDue());
    }
}

public sealed class RescanDebouncerQuietTests
{
    [Fact]
    public void After_a_burst_and_its_two_follow_ups_the_debouncer_is_quiet()
    {
        var time = new FakeTimeProvider();
        var d = new RescanDebouncer(time, TimeSpan.FromSeconds(30));
        d.Rescanned();
        Assert.True(d.IsQuiet);
        var quietAt = new List<double>();
        for (int ms = 0; ms < 20_000; ms += 5)
        {
            time.Advance(TimeSpan.FromMilliseconds(5));
            if (ms < 8000) d.TreeChanged();
            if (d.IsDue())
            {
                d.Rescanned();
                if (d.IsQuiet) quietAt.Add(ms / 1000.0);
            }
        }
        Assert.Single(quietAt);
        Assert.InRange(quietAt[0], 12.9, 13.3);
    }
}
