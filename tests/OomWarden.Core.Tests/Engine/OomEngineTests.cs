using OomWarden.Core.Decisions;
using OomWarden.Core.Detection;
using OomWarden.Core.Engine;
using OomWarden.Core.Model;
using OomWarden.Core.Policy;
using static OomWarden.Core.Tests.Engine.EngineHarness;

namespace OomWarden.Core.Tests.Engine;

public sealed class OomEngineTests
{
    private static readonly TimeSpan Ms = TimeSpan.FromMilliseconds(1);

    [Fact]
    public void Two_cgroups_short_at_once_are_served_together_while_one_victim_ignores_SIGTERM()
    {
        var h = new EngineHarness();
        var a = Cgroup("/a");
        var b = Cgroup("/b");
        h.Engine.SetDomains([a, b]);
        h.Decide["/a"] = () => Kill(a.Domain, Process(10, "slow", "/a"));
        h.Decide["/b"] = () => Kill(b.Domain, Process(20, "hog", "/b"));
        h.Alive.UnionWith([10, 20]);
        h.IgnoresTerm.Add(10);

        Headroom(a, 40);   // A just past its term level
        Headroom(b, 500);
        h.Run();
        Assert.Equal([(10, Signals.SigTerm)], h.Sent);

        // 0.5 s later B fills at full speed while A's victim is still in its grace time.
        h.RunFor(500 * Ms);
        Headroom(b, 10);
        h.Run();
        Assert.Equal([(10, Signals.SigTerm), (20, Signals.SigKill)], h.Sent);

        // B's hog exits at the next wake-up, B settles and is judged while A is still in its grace.
        Headroom(b, 900);
        h.RunFor(100 * Ms);
        var judged = Assert.Single(h.Of<Judged>());
        Assert.Equal(20, judged.Kill.Pid);
        Assert.Equal(890 * MiB, judged.FreedBytes);
        Assert.DoesNotContain((10, Signals.SigKill), h.Sent);

        // A's grace (2 s from its SIGTERM) runs out: SIGKILL, then memory release.
        h.RunFor(1400 * Ms);
        Assert.Contains((10, Signals.SigKill), h.Sent);
        Assert.Contains("ReleaseMemory 10", h.Trace);
        var escalated = Assert.Single(h.Of<Escalated>());
        Assert.True(escalated.GraceOver);
        Headroom(a, 600);
        h.RunFor(100 * Ms);
        Assert.Equal([20, 10], h.Of<Judged>().Select(j => j.Kill.Pid));
        Assert.Equal(2, h.Engine.State.Kills);
        Assert.Empty(h.Engine.KillsInFlight);
    }

    [Fact]
    public void A_victim_ignoring_SIGTERM_gets_SIGKILL_when_the_grace_ends_not_before()
    {
        var h = new EngineHarness();
        var a = Cgroup("/a");
        h.Engine.SetDomains([a]);
        h.Decide["/a"] = () => Kill(a.Domain, Process(10, "slow", "/a"), grace: TimeSpan.FromSeconds(3));
        h.Alive.Add(10);
        h.IgnoresTerm.Add(10);
        Headroom(a, 40);
        h.Run();
        h.RunFor(2990 * Ms);
        Assert.Equal([(10, Signals.SigTerm)], h.Sent);
        h.RunFor(20 * Ms);
        Assert.Equal([(10, Signals.SigTerm), (10, Signals.SigKill)], h.Sent);
        Headroom(a, 600);
        h.RunFor(100 * Ms);
        var j = Assert.Single(h.Of<Judged>());
        Assert.True(j.Kill.Escalated);
        Assert.Equal(Signals.SigKill, j.Kill.LastSignal);
        Assert.Equal("exited", j.Kill.Result);
    }

    [Fact]
    public void A_domain_reaching_its_kill_level_during_the_grace_escalates_at_once()
    {
        var h = new EngineHarness();
        var a = Cgroup("/a");
        h.Engine.SetDomains([a]);
        h.Decide["/a"] = () => Kill(a.Domain, Process(10, "slow", "/a"));
        h.Alive.Add(10);
        h.IgnoresTerm.Add(10);
        Headroom(a, 40);
        h.Run();
        h.RunFor(300 * Ms);
        Headroom(a, 10);
        h.Run();
        Assert.Equal([(10, Signals.SigTerm), (10, Signals.SigKill)], h.Sent);
        Assert.False(Assert.Single(h.Of<Escalated>()).GraceOver);
        // Still one kill: the escalation did not start a second one.
        Assert.Single(h.Of<Signalling>());
    }

    [Fact]
    public void A_victim_that_vanished_before_the_signal_is_not_signalled_and_the_domain_chooses_again()
    {
        var h = new EngineHarness();
        var a = Cgroup("/a");
        h.Engine.SetDomains([a]);
        int pick = 0;
        h.Decide["/a"] = () => Kill(a.Domain, pick++ == 0 ? Process(10, "gone", "/a") : Process(11, "next", "/a"));
        h.Alive.Add(11);  // 10 exited between the decision and the signal
        Headroom(a, 40);
        h.Run();
        Assert.Single(h.Of<VictimVanished>());
        Assert.Empty(h.Sent);
        Assert.Empty(h.Of<Signalling>());  // nothing journaled for a victim that was never signalled
        h.Run();
        Assert.Equal([(11, Signals.SigTerm)], h.Sent);
        Assert.Equal(["/a", "/a"], h.Selected);
    }

    [Fact]
    public void A_child_cgroup_and_its_parent_short_together_make_one_kill()
    {
        var h = new EngineHarness();
        var parent = Cgroup("/p", 2 * GiB);
        var child = Cgroup("/p/c");
        h.Engine.SetDomains([parent, child]);
        h.Decide["/p"] = () => Kill(parent.Domain, Process(30, "other", "/p/d"));
        h.Decide["/p/c"] = () => Kill(child.Domain, Process(10, "hog", "/p/c"));
        h.Alive.UnionWith([10, 30]);
        h.IgnoresTerm.Add(10);
        Headroom(parent, 80);  // 2 GiB limit: term at 102 MiB
        Headroom(child, 40);
        h.Run();
        h.RunFor(1000 * Ms);
        Assert.Equal([(10, Signals.SigTerm)], h.Sent);
        Assert.Equal(["/p/c"], h.Selected);

        // The parent reaching its kill level escalates the child's victim: the parent counts on it.
        Headroom(parent, 30);
        h.Run();
        Assert.Equal([(10, Signals.SigTerm), (10, Signals.SigKill)], h.Sent);
        Headroom(parent, 900);
        Headroom(child, 900);
        h.RunFor(200 * Ms);
        Assert.Single(h.Of<Judged>());
        Assert.Single(h.Of<Signalling>());
        Assert.DoesNotContain(30, h.Sent.Select(s => s.Pid));
    }

    [Fact]
    public void A_parent_still_short_after_the_childs_kill_is_judged_kills_on_its_own()
    {
        var h = new EngineHarness();
        var parent = Cgroup("/p", 2 * GiB);
        var child = Cgroup("/p/c");
        h.Engine.SetDomains([child, parent]);
        h.Decide["/p"] = () => Kill(parent.Domain, Process(30, "other", "/p/d"));
        h.Decide["/p/c"] = () => Kill(child.Domain, Process(10, "hog", "/p/c"));
        h.Alive.UnionWith([10, 30]);
        Headroom(parent, 80);
        Headroom(child, 40);
        h.Run();
        Headroom(child, 900);  // the child recovers; the parent does not
        h.RunFor(20 * Ms);
        Assert.Equal([(10, Signals.SigTerm)], h.Sent);
        h.RunFor(100 * Ms);
        Assert.Equal([(10, Signals.SigTerm), (30, Signals.SigTerm)], h.Sent);
    }

    [Fact]
    public void A_cgroup_kill_in_flight_counts_for_the_system_too()
    {
        var h = new EngineHarness();
        var system = new SystemDomain(SystemLevels, PrepareMargin);
        var a = Cgroup("/a");
        h.Engine.SetDomains([system, a]);
        h.Decide["system"] = () => Kill(system.Domain, Process(30, "other", "/b"));
        h.Decide["/a"] = () => Kill(a.Domain, Process(10, "hog", "/a"));
        h.Alive.UnionWith([10, 30]);
        h.IgnoresTerm.Add(10);
        system.Update(Meminfo(8192, 600));  // term at 10 % = 819 MiB, kill at 5 %
        Headroom(a, 40);
        h.Run();
        h.RunFor(500 * Ms);
        Assert.Equal([(10, Signals.SigTerm)], h.Sent);
        Assert.Equal(["/a"], h.Selected);
    }

    [Fact]
    public void Nothing_to_kill_is_reported_once_and_the_domain_is_left_alone_for_ten_seconds()
    {
        var h = new EngineHarness();
        var a = Cgroup("/a");
        h.Engine.SetDomains([a]);
        Headroom(a, 40);  // no decision registered: every candidate is protected
        h.Run();
        var n = Assert.Single(h.Of<NothingToKill>());
        Assert.Contains("headroom", n.Reason);
        h.RunFor(TimeSpan.FromSeconds(9.9), TimeSpan.FromMilliseconds(100));
        Assert.Single(h.Selected);
        h.RunFor(TimeSpan.FromMilliseconds(200), TimeSpan.FromMilliseconds(100));
        Assert.Equal(2, h.Selected.Count);
        Assert.Equal(2, h.Of<NothingToKill>().Count());
        Assert.Empty(h.Sent);
    }

    [Fact]
    public void The_ladder_kills_the_victims_largest_process_first_then_its_cgroup_as_a_unit()
    {
        var h = new EngineHarness();
        var a = Cgroup("/a");
        h.Engine.SetDomains([a]);
        var job = new CgroupNode("/a/job", new CgroupMemory(500 * MiB, CgroupMemory.Unlimited, CgroupMemory.Unlimited, 0, 0), []);
        int pid = 10;
        h.Decide["/a"] = () => Kill(a.Domain, Process(pid++, "worker", "/a/job"), ladderCgroup: job, rule: "jobs");
        h.Alive.UnionWith([10, 11, 12]);
        Headroom(a, 40);
        h.Run();
        Assert.Equal([(10, Signals.SigTerm)], h.Sent);
        h.RunFor(TimeSpan.FromSeconds(1.1), TimeSpan.FromMilliseconds(100));  // exits, settles (still short), judged
        Assert.Single(h.Of<Judged>());

        // Still short within 30 s of killing the largest process: the whole cgroup goes, with SIGKILL.
        h.Run();
        Assert.Equal(["/a/job"], h.CgroupsKilled);
        var s = h.Of<Signalling>().Last();
        Assert.True(s.Kill.WholeCgroup);
        Assert.Equal(Signals.SigKill, s.Signal);
        Assert.Equal("jobs", s.Kill.Rule);
        Headroom(a, 900);
        h.RunFor(100 * Ms);
        Assert.Equal(2, h.Of<Judged>().Count());

        // The rung is cleared: the next shortage, later, starts at the process again.
        h.RunFor(TimeSpan.FromSeconds(1));
        Headroom(a, 40);
        h.Run();
        Assert.Equal([(10, Signals.SigTerm), (12, Signals.SigTerm)], h.Sent);  // 11 was the cgroup rung's pick
    }

    [Fact]
    public void The_ladder_starts_over_after_its_window()
    {
        var h = new EngineHarness();
        var a = Cgroup("/a");
        h.Engine.SetDomains([a]);
        var job = new CgroupNode("/a/job", default, []);
        int pid = 10;
        h.Decide["/a"] = () => Kill(a.Domain, Process(pid++, "worker", "/a/job"), ladderCgroup: job);
        h.Alive.UnionWith([10, 11]);
        Headroom(a, 40);
        h.Run();
        Headroom(a, 900);
        h.RunFor(TimeSpan.FromSeconds(31), TimeSpan.FromMilliseconds(100));
        Headroom(a, 40);
        h.Run();
        Assert.Empty(h.CgroupsKilled);
        Assert.Equal([(10, Signals.SigTerm), (11, Signals.SigTerm)], h.Sent);
    }

    [Fact]
    public void A_node_domain_is_judged_on_the_nodes_own_figures_and_escalates_at_its_kill_level()
    {
        var h = new EngineHarness();
        var system = new SystemDomain(SystemLevels, PrepareMargin);
        var node1 = new NodeSetDomain(0b10, SystemLevels, PrepareMargin / 2);
        h.Engine.SetDomains([system, node1]);
        h.Decide["nodes:1"] = () => Kill(node1.Domain, Process(10, "bound", "/n1", mems: 0b10));
        h.Alive.Add(10);
        h.IgnoresTerm.Add(10);
        var machine = Meminfo(2048, 900);  // the machine as a whole is fine
        NodeMemory[] nodes = [new(0, 1024 * MiB, 800 * MiB, 0), new(1, 1024 * MiB, 80 * MiB, 0)];  // node 1: term at 102 MiB
        system.Update(machine);
        node1.Update(nodes, machine);
        h.Run();
        Assert.Equal([(10, Signals.SigTerm)], h.Sent);
        Assert.StartsWith("node 1:", h.Of<Signalling>().Single().Kill.Reason);

        // Node 1 at its kill level (5 % = 51 MiB) during the grace: SIGKILL at once.
        nodes[1] = new(1, 1024 * MiB, 40 * MiB, 0);
        node1.Update(nodes, machine);
        h.Run();
        Assert.Equal([(10, Signals.SigTerm), (10, Signals.SigKill)], h.Sent);

        // Memory comes back on node 1 while machine-wide MemAvailable moves differently: freed is node 1's gain.
        nodes[1] = new(1, 1024 * MiB, 700 * MiB, 20 * MiB);
        machine = Meminfo(2048, 1000);
        system.Update(machine);
        node1.Update(nodes, machine);
        h.RunFor(100 * Ms);
        var j = Assert.Single(h.Of<Judged>());
        Assert.Equal("nodes:1", j.Kill.Domain.Name);
        Assert.Equal((720 - 80) * MiB, j.FreedBytes);
    }

    [Fact]
    public void A_node_domain_keeps_settling_while_still_short_until_the_settle_time_ends()
    {
        var h = new EngineHarness();
        var node0 = new NodeSetDomain(0b1, SystemLevels, PrepareMargin);
        h.Engine.SetDomains([node0]);
        h.Decide["nodes:0"] = () => Kill(node0.Domain, Process(10, "bound", "/n0", mems: 0b1));
        h.Alive.Add(10);
        var machine = Meminfo(2048, 900);
        node0.Update([new(0, 1024 * MiB, 80 * MiB, 0)], machine);
        h.Run();
        h.RunFor(500 * Ms);  // exited at once; node still short: keeps settling
        Assert.Empty(h.Of<Judged>());
        h.RunFor(520 * Ms);
        Assert.Single(h.Of<Judged>());
    }

    [Fact]
    public void Dry_run_sends_nothing_and_stands_for_its_domains_for_a_grace_and_a_settle()
    {
        var h = new EngineHarness(new EngineOptions { DryRun = true, InstanceId = "t" });
        var parent = Cgroup("/p", 2 * GiB);
        var child = Cgroup("/p/c");
        h.Engine.SetDomains([parent, child]);
        h.Decide["/p"] = () => Kill(parent.Domain, Process(30, "other", "/p/d"));
        h.Decide["/p/c"] = () => Kill(child.Domain, Process(10, "hog", "/p/c"));
        h.Alive.UnionWith([10, 30]);
        Headroom(parent, 80);
        Headroom(child, 40);
        h.Run();
        var would = Assert.Single(h.Of<WouldKill>());
        Assert.Equal(10, would.Kill.Pid);
        Assert.Equal("dry_run", would.Kill.Result);
        h.RunFor(TimeSpan.FromSeconds(2.9), TimeSpan.FromMilliseconds(100));
        Assert.Single(h.Of<WouldKill>());
        h.RunFor(TimeSpan.FromSeconds(0.2), TimeSpan.FromMilliseconds(100));
        Assert.Equal(2, h.Of<WouldKill>().Count());
        Assert.Empty(h.Sent);
        Assert.DoesNotContain(h.Trace, t => t.StartsWith("OpenVictim", StringComparison.Ordinal) || t.StartsWith("Signal ", StringComparison.Ordinal));
        Assert.Empty(h.Of<Signalling>());
    }

    [Fact]
    public void The_signal_record_is_published_after_the_victim_is_verified_and_before_the_signal_goes_out()
    {
        var h = new EngineHarness();
        var a = Cgroup("/a");
        h.Engine.SetDomains([a]);
        h.Decide["/a"] = () => Kill(a.Domain, Process(10, "hog", "/a"));
        h.Alive.Add(10);
        Headroom(a, 40);
        h.Run();
        int open = h.Trace.IndexOf("OpenVictim 10");
        int record = h.Trace.IndexOf("event Signalling pid 10 15");
        int signal = h.Trace.IndexOf("Signal 15 pid 10");
        Assert.True(open >= 0 && open < record && record < signal, string.Join("\n", h.Trace));
        Headroom(a, 900);
        h.RunFor(100 * Ms);
        var j = Assert.Single(h.Of<Judged>());
        Assert.Equal(h.Of<Signalling>().Single().Kill.SignalId, j.Kill.SignalId);
        Assert.Equal("t-1", j.Kill.SignalId);
    }

    [Fact]
    public void A_prepared_decision_is_used_at_the_crossing_and_refreshed_every_250_ms_in_the_band()
    {
        var h = new EngineHarness();
        var a = Cgroup("/a");
        h.Engine.SetDomains([a]);
        h.Decide["/a"] = () => Kill(a.Domain, Process(10, "hog", "/a", rssMiB: 400));
        h.Alive.Add(10);
        Headroom(a, 100);  // prepare band
        h.Run();
        Assert.Single(h.Selected);
        Assert.True(h.Of<Decided>().Single().Ahead);
        h.RunFor(240 * Ms);
        Assert.Single(h.Selected);
        h.RunFor(20 * Ms);
        Assert.Equal(2, h.Selected.Count);
        Headroom(a, 40);
        h.Run();
        Assert.Equal(2, h.Selected.Count);  // acted on the prepared decision
        Assert.Equal([(10, Signals.SigTerm)], h.Sent);
    }

    [Fact]
    public void A_prepared_decision_is_taken_again_when_the_domain_lost_more_than_a_quarter_of_the_victims_footprint()
    {
        var h = new EngineHarness();
        var a = Cgroup("/a");
        h.Engine.SetDomains([a]);
        int pick = 0;
        // Prepared: the bystander (100 MiB) is the largest; at the crossing the hog has outgrown it.
        h.Decide["/a"] = () => pick++ == 0
            ? Kill(a.Domain, Process(10, "bystander", "/a", rssMiB: 100))
            : Kill(a.Domain, Process(20, "hog", "/a", rssMiB: 400));
        h.Alive.UnionWith([10, 20]);
        Headroom(a, 100);
        h.Run();
        Headroom(a, 40);  // 60 MiB went since the decision: more than 25 MiB
        h.Run();
        Assert.Equal([(20, Signals.SigTerm)], h.Sent);
        Assert.Equal(2, h.Selected.Count);
    }

    [Fact]
    public void A_prepared_nothing_to_kill_is_not_acted_on_at_the_crossing()
    {
        var h = new EngineHarness();
        var b = Cgroup("/b");
        h.Engine.SetDomains([b]);
        Headroom(b, 100);  // in the band while still empty: the prepared answer is "nothing to kill"
        h.Run();
        Assert.True(h.Of<Decided>().Single().Decision.NothingToKill);
        h.Decide["/b"] = () => Kill(b.Domain, Process(20, "hog", "/b", rssMiB: 400));
        h.Alive.Add(20);
        h.RunFor(100 * Ms);
        Headroom(b, 40);  // the hog arrived and filled it
        h.Run();
        Assert.Empty(h.Of<NothingToKill>());
        Assert.Equal([(20, Signals.SigTerm)], h.Sent);
    }

    [Fact]
    public void At_stop_a_victim_that_is_gone_is_judged_at_once_and_one_in_its_grace_is_left_open()
    {
        var h = new EngineHarness();
        var a = Cgroup("/a");
        var b = Cgroup("/b");
        h.Engine.SetDomains([a, b]);
        h.Decide["/a"] = () => Kill(a.Domain, Process(10, "slow", "/a"));
        h.Decide["/b"] = () => Kill(b.Domain, Process(20, "hog", "/b"));
        h.Alive.UnionWith([10, 20]);
        h.IgnoresTerm.Add(10);
        Headroom(a, 40);
        Headroom(b, 40);
        h.Run();
        h.Time.Advance(5 * Ms);
        h.Run();  // 20 exited: settling
        Assert.Empty(h.Of<Judged>());
        h.Engine.FinishOnStop();
        Assert.Equal(20, Assert.Single(h.Of<Judged>()).Kill.Pid);
        Assert.Equal(10, Assert.Single(h.Engine.KillsInFlight).Pid);
    }

    [Fact]
    public void A_failed_signal_is_judged_failed_and_the_domain_waits_before_trying_again()
    {
        var h = new EngineHarness();
        var a = Cgroup("/a");
        h.Engine.SetDomains([a]);
        Headroom(a, 40);
        var k = Kill(a.Domain, Process(10, "root-owned", "/a"));
        h.Decide["/a"] = () => k;
        h.Alive.Add(10);
        h.Engine.Step();
        Assert.True(h.Engine.TryTakeCommand(out var select));
        h.Engine.OnDecision(select.Domain!, k, 1);
        Assert.True(h.Engine.TryTakeCommand(out var open));
        h.Engine.OnVictimOpened(open.Kill!, true);
        Assert.True(h.Engine.TryTakeCommand(out var signal));
        h.Engine.OnSignalSent(signal.Kill!, signal.Signal, SignalResult.Failed, "EPERM");
        var j = Assert.Single(h.Of<Judged>());
        Assert.Equal("failed", j.Kill.Result);
        Assert.Equal("EPERM", j.Kill.Message);
        while (h.Engine.TryTakeCommand(out _)) { }
        h.RunFor(900 * Ms);
        Assert.Single(h.Of<Decided>());  // left alone for a second
        h.RunFor(200 * Ms);
        Assert.Equal(2, h.Of<Decided>().Count());
    }

    [Fact]
    public void The_next_deadline_is_never_in_the_past_once_a_quiet_time_is_over()
    {
        var h = new EngineHarness();
        var a = Cgroup("/a");
        h.Engine.SetDomains([a]);
        Headroom(a, 40);
        h.Run();  // nothing to kill: quiet for 10 s
        Assert.Equal(h.Time.GetTimestamp() + 10 * h.Time.TimestampFrequency, h.Engine.NextDeadline);
        Headroom(a, 100);  // back in the prepare band, with no decision to refresh (nothing is killable)
        h.RunFor(TimeSpan.FromSeconds(11), TimeSpan.FromSeconds(1));
        Assert.True(h.Engine.NextDeadline > h.Time.GetTimestamp(), "a passed deadline would make the loop spin");
    }

    [Fact]
    public void A_step_with_every_domain_comfortable_allocates_nothing()
    {
        var h = new EngineHarness();
        var system = new SystemDomain(SystemLevels, PrepareMargin);
        var node = new NodeSetDomain(0b1, SystemLevels, PrepareMargin);
        var a = Cgroup("/a");
        h.Engine.SetDomains([system, node, a]);
        var machine = Meminfo(16384, 12000);
        NodeMemory[] nodes = [new(0, 16384 * MiB, 12000 * MiB, 0)];
        void Tick()
        {
            system.Update(machine);
            node.Update(nodes, machine);
            if (a.UpdateFromUsage(100 * MiB, kernelWakesBelowUsage: true)) a.Update(100 * MiB, 0);
            h.Engine.Step();
            _ = h.Engine.NextDeadline;
        }
        for (int i = 0; i < 100; i++) Tick();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++) Tick();
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
