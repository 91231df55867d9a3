using OomWarden.Core.Detection;
using OomWarden.Core.Engine;
using OomWarden.Core.Policy;
using static OomWarden.Core.Tests.Engine.EngineHarness;

namespace OomWarden.Core.Tests.Engine;

/// <summary>oom_delay's side of the engine: a cgroup the kernel holds for oomwarden (CgroupDomain.SetOomWait) is at its
/// kill level whatever its headroom, so the engine kills per policy at once, with SIGKILL (no grace: the tasks wait
/// in the charge path).</summary>
public class OomWaitTests
{
    [Fact]
    public void A_cgroup_under_OOM_is_at_its_kill_level_and_its_victim_gets_SIGKILL_at_once()
    {
        var h = new EngineHarness();
        var a = Cgroup("/a");
        h.Engine.SetDomains([a]);
        h.Decide["/a"] = () => Kill(a.Domain, Process(10, "holder", "/a"));
        h.Alive.Add(10);

        Headroom(a, 300);  // far from the 5% term level: nothing to do
        h.Run();
        Assert.Empty(h.Sent);
        Assert.Equal(PressureLevel.None, a.Level);

        a.SetOomWait("the kernel reports OOM (memory.oom_control under_oom 1)");
        Headroom(a, 300);  // the reading of the tick that follows the event (page cache counted as headroom)
        Assert.Equal(PressureLevel.Kill, a.Level);
        h.Run();
        Assert.Equal([(10, Signals.SigKill)], h.Sent);
        var signalling = Assert.Single(h.Of<Signalling>());
        Assert.StartsWith("the kernel reports OOM", signalling.Kill.Reason);
    }

    [Fact]
    public void Once_the_wait_is_answered_the_domain_goes_back_to_its_headroom()
    {
        var a = Cgroup("/a");
        a.SetOomWait("under OOM");
        Assert.True(a.UpdateFromUsage(100 * MiB, kernelWakesBelowUsage: true));  // far below: read in full anyway
        a.Update(100 * MiB, 0);
        Assert.Equal(PressureLevel.Kill, a.Level);
        a.SetOomWait(null);
        Assert.False(a.UpdateFromUsage(100 * MiB, kernelWakesBelowUsage: true));
        Assert.Equal(PressureLevel.None, a.Level);
        Assert.StartsWith("headroom", a.Describe());
    }

    [Fact]
    public void The_first_cgroup_rule_with_an_oom_delay_gives_it_else_the_global_one()
    {
        var rules = new List<PolicyRule>
        {
            new("rank only", "t:1", new RuleMatch { Cgroup = [Glob.Compile("/batch/*")] }, new RuleEffect(Priority: -5)),
            new("batch waits", "t:2", new RuleMatch { Cgroup = [Glob.Compile("/batch/*")] }, new RuleEffect(OomDelay: TimeSpan.FromSeconds(2))),
            new("db never waits", "t:3", new RuleMatch { Cgroup = [Glob.Compile("/db")] }, new RuleEffect(OomDelay: TimeSpan.Zero)),
            new("a process rule", "t:4", new RuleMatch { Comm = [Glob.Compile("x")] }, new RuleEffect(Priority: 1)),
        };
        var policy = new CompiledPolicy(rules);
        var global = TimeSpan.FromSeconds(5);
        Assert.Equal(TimeSpan.FromSeconds(2), policy.OomDelayFor("/batch/job1", global));
        Assert.Equal(TimeSpan.Zero, policy.OomDelayFor("/db", global));
        Assert.Equal(global, policy.OomDelayFor("/web", global));
        Assert.Equal(TimeSpan.Zero, policy.OomDelayFor("/web", TimeSpan.Zero));
    }
}

public class OomWaitQuietTests
{
    /// <summary>"Nothing to kill" leaves a domain alone for a while; a new OOM event (a new kernel wait) ends that,
    /// or the kernel would hold the tasks for the whole delay while the engine looks away.</summary>
    [Fact]
    public void A_new_OOM_event_ends_the_quiet_time_after_nothing_to_kill()
    {
        var h = new EngineHarness();
        var a = Cgroup("/a");
        h.Engine.SetDomains([a]);
        a.SetOomWait("under OOM");
        Headroom(a, 0);
        h.Run();
        Assert.Single(h.Of<Core.Engine.NothingToKill>());

        h.Decide["/a"] = () => Kill(a.Domain, Process(10, "late", "/a"));
        h.Alive.Add(10);
        h.RunFor(TimeSpan.FromMilliseconds(100));
        Assert.Empty(h.Sent);  // the same episode: still quiet
        Assert.Single(h.Selected);

        a.SetOomWait(null);  // out of OOM
        a.SetOomWait("under OOM again");
        Headroom(a, 0);
        h.Run();
        Assert.Equal([(10, Signals.SigKill)], h.Sent);
    }

    /// <summary>A reload builds a new domain object for every cgroup; oom_delay's wait moves to the new one
    /// (<see cref="CgroupDomain.TakeOomWaitFrom"/>) with its episode number, so the quiet time after "nothing to kill",
    /// which the engine keeps by domain name, still belongs to the same episode: no second selection for each reload.</summary>
    [Fact]
    public void A_reload_s_new_domain_for_the_same_cgroup_keeps_the_wait_and_its_quiet_time()
    {
        var h = new EngineHarness();
        var a = Cgroup("/a");
        h.Engine.SetDomains([a]);
        a.SetOomWait("under OOM");
        Headroom(a, 0);
        h.Run();
        Assert.Single(h.Of<Core.Engine.NothingToKill>());

        var reloaded = Cgroup("/a");
        reloaded.TakeOomWaitFrom(a);
        Assert.Equal(("under OOM", a.WaitEpisode), (reloaded.OomWait, reloaded.WaitEpisode));
        h.Engine.SetDomains([reloaded]);
        h.Decide["/a"] = () => Kill(reloaded.Domain, Process(10, "late", "/a"));
        h.Alive.Add(10);
        Headroom(reloaded, 0);
        Assert.Equal(PressureLevel.Kill, reloaded.Level);
        h.RunFor(TimeSpan.FromMilliseconds(100));
        Assert.Empty(h.Sent);  // the same episode: still quiet
        Assert.Single(h.Of<Core.Engine.NothingToKill>());

        reloaded.SetOomWait(null);
        reloaded.SetOomWait("under OOM again");  // a new event on the new object: served
        Headroom(reloaded, 0);
        h.Run();
        Assert.Equal([(10, Signals.SigKill)], h.Sent);
    }
}
