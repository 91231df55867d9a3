using OomWarden.Core.Decisions;
using OomWarden.Core.Engine;
using OomWarden.Core.Policy;
using static OomWarden.Core.Tests.Engine.EngineHarness;

namespace OomWarden.Core.Tests.Engine;

/// <summary>A victim we signalled that is still exiting is never a new victim, and the next victim waits while memory
/// is still coming back from the last one (regression: a unit kill with survivors, then a second kill of a survivor,
/// or of a bystander, within the same second).</summary>
public sealed class DyingVictimTests
{
    private static readonly TimeSpan Ms = TimeSpan.FromMilliseconds(1);

    /// <summary>The tree lines of the processes still alive in the fake host ("p CGROUP PID COMM MiB"), plus the cgroups.</summary>
    private static Func<IDomainView> View(EngineHarness h, string domain, params string[] lines) => () =>
        TreeDsl.View(string.Join('\n', lines.Where(l => !l.StartsWith("p ", StringComparison.Ordinal) || h.Alive.Contains(int.Parse(l.Split(' ')[2])))), domain);

    /// <summary>The pids of the process kills (a unit kill's record names its cgroup's first process too).</summary>
    private static int[] SignalledPids(EngineHarness h) => h.Of<Signalling>().Where(s => !s.Kill.WholeCgroup).Select(s => s.Kill.Pid).ToArray();

    [Fact]
    public void A_victim_still_there_after_SIGKILL_and_its_exit_wait_is_not_chosen_again()
    {
        var h = new EngineHarness { Selector = new HierarchicalSelector(TreeDsl.Rules()) };
        var a = Cgroup("/a");
        h.Engine.SetDomains([a]);
        h.Alive.UnionWith([10, 20]);
        h.Stuck.Add(10);  // SIGKILLed, but its exit takes longer than the exit wait (a huge address space, D state)
        h.Views["/a"] = View(h, "/a", "p /a 10 hog 400", "p /a 20 bystander 100");
        Headroom(a, 10);  // at the kill level: SIGKILL at once
        h.Run();
        Assert.Equal([(10, Signals.SigKill)], h.Sent);

        // The exit wait (5 s) runs out with the domain still at its kill level: the kill is judged still_alive and
        // the domain needs another victim. The dying hog is still listed with its memory; it is not that victim.
        h.RunFor(TimeSpan.FromSeconds(5.2), 100 * Ms);
        var judged = h.Of<Judged>().First();
        Assert.Equal(10, judged.Kill.Pid);
        Assert.Equal("still_alive", judged.Kill.Result);
        Assert.Equal([10, 20], SignalledPids(h));
        Assert.Equal([(10, Signals.SigKill), (20, Signals.SigKill)], h.Sent);

        // Later shortages do not pick it either: the domain has nothing else to kill.
        h.RunFor(TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(1));
        Assert.Equal([10, 20], SignalledPids(h));
        Assert.Equal(2, h.Engine.State.Kills);
    }

    [Fact]
    public void A_decision_naming_a_victim_already_signalled_is_not_acted_on()
    {
        var h = new EngineHarness();
        var a = Cgroup("/a");
        h.Engine.SetDomains([a]);
        h.Alive.Add(10);
        h.Stuck.Add(10);
        h.Decide["/a"] = () => Kill(a.Domain, Process(10, "hog", "/a", rssMiB: 400));  // a host that does not screen
        Headroom(a, 10);
        h.Run();
        h.RunFor(TimeSpan.FromSeconds(8), 100 * Ms);
        Assert.Equal([10], SignalledPids(h));
        Assert.Equal([(10, Signals.SigKill)], h.Sent);
        Assert.Single(h.Of<Judged>());
    }

    [Fact]
    public void After_a_unit_kill_with_survivors_the_next_victim_waits_for_the_memory_then_spares_the_survivors()
    {
        var h = new EngineHarness { Selector = new HierarchicalSelector(TreeDsl.Rules("cgroup=/a/job kill=cgroup")) };
        var a = Cgroup("/a");
        h.Engine.SetDomains([a]);
        h.Alive.UnionWith([10, 11, 30]);
        h.Views["/a"] = View(h, "/a", "cg /a/job 500", "cg /a/other 50", "p /a/job 10 worker 300", "p /a/job 11 worker 200",
            "p /a/other 30 bystander 50");
        h.CgroupKillOutcome = ("still_alive", 1);  // 11 was SIGKILLed by the unit kill but has not exited yet
        Headroom(a, 25);  // term level (51 MiB), above the kill level (20 MiB)
        h.Run();
        Assert.Equal([(10, Signals.SigTerm)], h.Sent);
        // 10 exits; the domain is still short after the settle time: the ladder's next rung kills /a/job as a unit.
        h.RunFor(TimeSpan.FromSeconds(1.2), 100 * Ms);
        Assert.Equal(["/a/job"], h.CgroupsKilled);
        var unit = h.Of<Exited>().Last().Kill;
        Assert.True(unit.WholeCgroup);

        // Memory comes back slowly (the survivor tears its address space down): nothing new while it does, even past
        // the settle time.
        for (int i = 0; i < 20; i++)
        {
            Headroom(a, 25 + i);
            h.RunFor(100 * Ms, 100 * Ms);
        }
        Assert.Equal([10], SignalledPids(h));
        Assert.Equal(2, h.Of<Signalling>().Count());
        Assert.Single(h.Of<Judged>());

        // It stops coming back with the domain still short: judged, and the next victim is the bystander, never the
        // survivor still listed in /a/job (nor /a/job again).
        h.RunFor(TimeSpan.FromSeconds(1), 100 * Ms);
        Assert.Equal(2, h.Of<Judged>().Count());
        Assert.Equal(["/a/job"], h.CgroupsKilled);
        Assert.Equal([(10, Signals.SigTerm), (30, Signals.SigTerm)], h.Sent);
        Assert.DoesNotContain(11, SignalledPids(h));
    }

    [Fact]
    public void A_bystander_waits_while_memory_still_comes_back_but_no_longer_than_the_settle_time_and_the_grace()
    {
        var h = new EngineHarness();
        var a = Cgroup("/a");
        h.Engine.SetDomains([a]);
        int pick = 0;
        h.Decide["/a"] = () => Kill(a.Domain, pick++ == 0 ? Process(10, "hog", "/a", rssMiB: 400) : Process(20, "bystander", "/a"));
        h.Alive.UnionWith([10, 20]);
        Headroom(a, 22);
        h.Run();
        Assert.Equal([(10, Signals.SigTerm)], h.Sent);

        // The hog exits at once, but its memory shows up slowly (512 KiB every 100 ms), the domain staying short.
        var judgedAt = TimeSpan.Zero;
        for (int i = 1; i <= 40 && !h.Of<Judged>().Any(); i++)
        {
            a.Update(a.LimitBytes - (22 * MiB + i * MiB / 2), 0);
            h.RunFor(100 * Ms, 100 * Ms);
            judgedAt = TimeSpan.FromMilliseconds(100 * i);
            // While it waits on, the loop has a deadline ahead (never one passed: that would make it spin).
            if (!h.Of<Judged>().Any()) Assert.True(h.Engine.NextDeadline > h.Time.GetTimestamp(), $"deadline passed at {judgedAt}");
        }
        // Held past the settle time (1 s) while it grows, judged at settle + grace (3 s) at the latest.
        Assert.Single(h.Of<Judged>());
        Assert.InRange(judgedAt, TimeSpan.FromSeconds(3.0), TimeSpan.FromSeconds(3.2));
        Assert.Equal([(10, Signals.SigTerm), (20, Signals.SigTerm)], h.Sent);
    }

    [Fact]
    public void At_the_kill_level_a_settling_kill_does_not_hold_the_next_victim_back()
    {
        var h = new EngineHarness();
        var a = Cgroup("/a");
        h.Engine.SetDomains([a]);
        int pick = 0;
        h.Decide["/a"] = () => Kill(a.Domain, pick++ == 0 ? Process(10, "hog", "/a", rssMiB: 400) : Process(20, "bystander", "/a"));
        h.Alive.UnionWith([10, 20]);
        Headroom(a, 22);
        h.Run();
        Headroom(a, 30);  // some memory came back ...
        h.RunFor(100 * Ms, 100 * Ms);
        Assert.Single(h.Sent);
        Headroom(a, 10);  // ... then the domain is at its kill level: as designed, the next kill goes at once
        h.Run();
        Assert.Equal([(10, Signals.SigTerm), (20, Signals.SigKill)], h.Sent);
    }
}
