using OomWarden.Core.Engine;
using OomWarden.Core.Policy;
using static OomWarden.Core.Tests.Engine.EngineHarness;

namespace OomWarden.Core.Tests.Engine;

/// <summary>A restart with a journal that holds a signal record and no kill record after it.</summary>
public sealed class RecoveryTests
{
    private static RecoveredSignal Record(EngineHarness h, TimeSpan ago, string domain = "/a") => new()
    {
        SignalId = "old-7",
        Time = h.Time.GetUtcNow() - ago,
        Pid = 10,
        StartTimeTicks = 1000,
        Signal = Signals.SigTerm,
        Domain = domain,
        Comm = "slow",
        Cgroup = "/a",
        Rule = "default",
        Reason = "headroom 40 MiB <= term level",
    };

    [Fact]
    public void A_victim_still_alive_in_a_domain_still_short_is_killed_and_the_kill_refers_to_the_old_signal()
    {
        var h = new EngineHarness();
        var a = Cgroup("/a");
        h.Engine.SetDomains([a]);
        h.Alive.Add(10);
        h.IgnoresTerm.Add(10);
        Headroom(a, 40);
        h.Engine.Recover(Record(h, TimeSpan.FromSeconds(5)));
        h.Run();
        Assert.Equal(RecoveryOutcome.Finishing, Assert.Single(h.Of<Recovered>()).Outcome);
        Assert.Equal([(10, Signals.SigKill)], h.Sent);  // its grace was over long ago
        Assert.Empty(h.Of<Signalling>());              // no second signal record
        Assert.Empty(h.Selected);                      // the recovered kill stands for the domain
        Headroom(a, 800);
        h.RunFor(TimeSpan.FromMilliseconds(100));
        var j = Assert.Single(h.Of<Judged>());
        Assert.Equal("old-7", j.Kill.SignalId);
        Assert.True(j.Kill.Escalated);
        Assert.Equal(760 * MiB, j.FreedBytes);
    }

    [Fact]
    public void A_victim_signalled_a_moment_ago_gets_the_rest_of_its_grace()
    {
        var h = new EngineHarness();
        var a = Cgroup("/a");
        h.Engine.SetDomains([a]);
        h.Alive.Add(10);
        h.IgnoresTerm.Add(10);
        Headroom(a, 40);
        h.Engine.Recover(Record(h, TimeSpan.FromSeconds(0.5)));
        h.Run();
        h.RunFor(TimeSpan.FromSeconds(1.4));
        Assert.Empty(h.Sent);
        h.RunFor(TimeSpan.FromSeconds(0.2));
        Assert.Equal([(10, Signals.SigKill)], h.Sent);
    }

    [Fact]
    public void A_victim_that_is_gone_or_recycled_is_not_touched()
    {
        var h = new EngineHarness();
        var a = Cgroup("/a");
        h.Engine.SetDomains([a]);
        Headroom(a, 40);
        h.Decide["/a"] = () => Kill(a.Domain, Process(11, "next", "/a"));
        h.Alive.Add(11);
        h.Engine.Recover(Record(h, TimeSpan.FromSeconds(5)));  // pid 10 is not alive (or has another start time)
        h.Run();
        Assert.Equal(RecoveryOutcome.Gone, Assert.Single(h.Of<Recovered>()).Outcome);
        Assert.DoesNotContain(10, h.Sent.Select(s => s.Pid));
        h.Run();
        Assert.Equal([(11, Signals.SigTerm)], h.Sent);  // the domain, still short, is served anew
    }

    [Fact]
    public void A_victim_alive_in_a_domain_no_longer_short_is_left_alone()
    {
        var h = new EngineHarness();
        var a = Cgroup("/a");
        h.Engine.SetDomains([a]);
        h.Alive.Add(10);
        h.IgnoresTerm.Add(10);
        Headroom(a, 800);
        h.Engine.Recover(Record(h, TimeSpan.FromSeconds(5)));
        h.Run();
        h.RunFor(TimeSpan.FromMilliseconds(50));
        Assert.Empty(h.Sent);
        Assert.Equal([RecoveryOutcome.Finishing, RecoveryOutcome.LeftAlone], h.Of<Recovered>().Select(r => r.Outcome));
        Assert.Empty(h.Engine.KillsInFlight);
    }

    [Fact]
    public void A_record_for_a_domain_not_watched_now_is_dropped_with_the_reason()
    {
        var h = new EngineHarness();
        h.Engine.SetDomains([Cgroup("/b")]);
        h.Engine.Recover(Record(h, TimeSpan.FromSeconds(5), domain: "/a"));
        h.Run();
        Assert.Contains("not watched", Assert.Single(h.Of<RecoveryDropped>()).Why);
        Assert.Empty(h.Engine.KillsInFlight);
    }

    [Fact]
    public void The_state_carries_over_to_a_new_engine()
    {
        var h = new EngineHarness();
        var a = Cgroup("/a");
        h.Engine.SetDomains([a]);
        Headroom(a, 40);
        h.Run();  // nothing to kill: quiet for 10 s
        var state = h.Engine.State;
        var next = new OomEngine(new EngineOptions { InstanceId = "r" }, h.Time, h, state);
        next.SetDomains([a]);
        next.Step();
        Assert.False(next.TryTakeCommand(out _));  // still quiet
    }
}
