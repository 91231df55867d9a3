using CsCheck;
using OomWarden.Linux.OomDelay;

namespace OomWarden.Linux.Tests.OomDelay;

/// <summary>The episode state machine of oom_delay on timestamps in milliseconds (delay 3,000, leave 1,000). The
/// kernel-facing behaviour is in the integration tests (OomDelay/V1OomWaitTests, Daemon/OomDelayV1Tests and
/// OomDelayV2Tests); these pin the timing rules.</summary>
public sealed class OomEpisodeTests
{
    private const long Delay = 3_000, Leave = 1_000;

    [Fact]
    public void An_episode_starts_at_the_window_and_its_delay_runs_out_at_its_deadline()
    {
        var e = new OomEpisode(Delay, Leave);
        Assert.Equal(EpisodeStep.None, e.Observe(false, 100));
        Assert.Equal(EpisodeStep.Started, e.Observe(true, 200));
        Assert.Equal(3_200, e.Deadline);
        Assert.Equal(EpisodeStep.None, e.Observe(true, 3_199));
        Assert.Equal(EpisodeStep.DelayOver, e.Observe(true, 3_200));
        Assert.Equal(("waiting", 200L), (e.StateName, e.StateSince));
        e.Release(3_200);
        Assert.Equal(OomEpisode.Phase.Released, e.State);
        Assert.Equal(("released", 3_200L, 1L, 1L), (e.StateName, e.StateSince, e.Episodes, e.Releases));
        Assert.Equal(EpisodeStep.None, e.Observe(true, 3_300));  // the caller decides when a release is over
        e.Rearm();
        Assert.Equal(("armed", 0L), (e.StateName, e.StateSince));
        Assert.Equal(EpisodeStep.Started, e.Observe(true, 9_000));
        Assert.Equal(12_000, e.Deadline);
        Assert.Equal((2L, 1L), (e.Episodes, e.Releases));
    }

    [Fact]
    public void Back_at_the_window_within_the_leave_time_the_episode_keeps_its_deadline()
    {
        var e = new OomEpisode(Delay, Leave);
        e.Observe(true, 0);
        Assert.Equal(EpisodeStep.Left, e.Observe(false, 500));
        Assert.Equal(("leaving", 500L), (e.StateName, e.StateSince));
        Assert.Equal(EpisodeStep.None, e.Observe(false, 1_499));
        Assert.Equal(EpisodeStep.Returned, e.Observe(true, 1_499));
        Assert.Equal(0, e.StartedAt);
        Assert.Equal(EpisodeStep.DelayOver, e.Observe(true, 3_000));
        Assert.Equal(1, e.Episodes);  // a return is not a new episode
    }

    [Fact]
    public void Back_at_the_window_after_the_deadline_the_delay_is_over_at_once()
    {
        var e = new OomEpisode(Delay, Leave);
        e.Observe(true, 0);
        e.Observe(false, 2_900);
        Assert.Equal(EpisodeStep.DelayOver, e.Observe(true, 3_100));
    }

    [Fact]
    public void Out_of_the_window_for_the_leave_time_the_episode_ends_and_the_next_one_has_a_whole_delay()
    {
        var e = new OomEpisode(Delay, Leave);
        e.Observe(true, 0);
        Assert.Equal(EpisodeStep.Left, e.Observe(false, 700));
        Assert.Equal(EpisodeStep.None, e.Observe(false, 1_699));
        Assert.Equal(EpisodeStep.Ended, e.Observe(false, 1_700));
        Assert.Equal(700, e.LeftAt - e.StartedAt);
        Assert.Equal(OomEpisode.Phase.Armed, e.State);
        Assert.Equal(EpisodeStep.Started, e.Observe(true, 2_000));
        Assert.Equal(5_000, e.Deadline);
    }

    /// <summary>The bound: observations every 1–50 ms, the cgroup leaving the window for shorter than the leave time
    /// as often as it likes. From the start, the first observation at the window at or after the deadline says the
    /// delay is over, and nothing ends the episode or starts another before it.</summary>
    [Fact]
    public void However_often_the_cgroup_flickers_out_of_the_window_the_wait_ends_at_the_first_deadline()
    {
        var flicker = Gen.Select(Gen.Int[1, 50], Gen.Bool).Array[1, 400];
        flicker.Sample(steps =>
        {
            var e = new OomEpisode(Delay, Leave);
            long now = 10;
            Assert.Equal(EpisodeStep.Started, e.Observe(true, now));
            long outSince = -1;
            foreach (var (gap, atWindow) in steps)
            {
                now += gap;
                bool at = atWindow || (outSince >= 0 && now - outSince >= Leave - 50);  // never out for the leave time
                var step = e.Observe(at, now);
                Assert.NotEqual(EpisodeStep.Ended, step);
                Assert.NotEqual(EpisodeStep.Started, step);
                if (at && now >= 10 + Delay)
                {
                    Assert.Equal(EpisodeStep.DelayOver, step);
                    return;
                }
                Assert.NotEqual(EpisodeStep.DelayOver, step);
                outSince = at ? -1 : outSince < 0 ? now : outSince;
            }
        });
    }

    /// <summary>A reload that changes the delay while armed: the next episode has the new one.</summary>
    [Fact]
    public void A_delay_changed_while_armed_applies_to_the_next_episode()
    {
        var e = new OomEpisode(Delay, Leave);
        e.ChangeDelay(5_000);
        Assert.Equal((5_000L, 5_000L), (e.DelayTicks, e.NextDelayTicks));
        e.Observe(true, 100);
        Assert.Equal(5_100, e.Deadline);
    }

    /// <summary>A reload in the middle of an episode, longer or shorter: the episode keeps its first deadline (a
    /// reload never stretches a wait, nor cuts one short); the episode after it has the new delay.</summary>
    [Theory]
    [InlineData(10_000)]
    [InlineData(500)]
    public void A_delay_changed_during_an_episode_leaves_its_deadline_and_applies_from_the_next_one(long next)
    {
        var e = new OomEpisode(Delay, Leave);
        e.Observe(true, 0);
        e.ChangeDelay(next);
        Assert.Equal((Delay, next), (e.DelayTicks, e.NextDelayTicks));
        Assert.Equal(3_000, e.Deadline);
        Assert.Equal(EpisodeStep.Left, e.Observe(false, 1_000));
        Assert.Equal(EpisodeStep.Returned, e.Observe(true, 1_500));  // the same episode
        Assert.Equal(EpisodeStep.None, e.Observe(true, 2_999));
        Assert.Equal(EpisodeStep.DelayOver, e.Observe(true, 3_000));
        e.Release(3_000);
        Assert.Equal(Delay, e.DelayTicks);  // a release's quiet time is the episode's delay too
        e.Rearm();
        Assert.Equal(next, e.DelayTicks);
        e.Observe(true, 20_000);
        Assert.Equal(20_000 + next, e.Deadline);
    }

    [Fact]
    public void A_delay_changed_during_an_episode_that_then_ends_applies_from_the_next_one()
    {
        var e = new OomEpisode(Delay, Leave);
        e.Observe(true, 0);
        e.ChangeDelay(1_000);
        e.Observe(false, 200);
        Assert.Equal(EpisodeStep.Ended, e.Observe(false, 1_200));
        Assert.Equal(1_000, e.DelayTicks);
        e.Observe(true, 5_000);
        Assert.Equal(6_000, e.Deadline);
    }
}
