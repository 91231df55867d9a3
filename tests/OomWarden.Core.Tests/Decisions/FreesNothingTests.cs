using OomWarden.Core.Decisions;
using OomWarden.Core.Policy;
using static OomWarden.Core.Tests.TreeDsl;

namespace OomWarden.Core.Tests.Decisions;

/// <summary>A process already exiting (zombie, in do_exit, SIGKILL pending) or holding no memory is no victim:
/// killing it frees nothing. It is skipped, not protected.</summary>
public class FreesNothingTests
{
    private const string Tree = """
        cg /a 900
        p /a 10 dying 800 exiting
        p /a 11 empty 0
        p /a 12 next 100
        cg /b 50
        p /b 20 small 50
        """;

    [Fact]
    public void The_hierarchical_walk_skips_an_exiting_or_empty_process_and_says_why()
    {
        var decision = new HierarchicalSelector(CompiledPolicy.Empty).Select(View(Tree));
        Assert.Equal(12, decision.Victim!.Pid);
        var level = decision.Path.Single(l => l.CgroupPath == "/a");
        var dying = level.Ranked.Single(c => c.Pid == 10);
        Assert.False(dying.Protected);
        Assert.Equal("skipped: already exiting", dying.Note);
        Assert.Equal("skipped: no memory to free", level.Ranked.Single(c => c.Pid == 11).Note);
    }

    [Fact]
    public void A_cgroup_holding_only_dying_processes_has_nothing_killable_inside()
    {
        var decision = new HierarchicalSelector(CompiledPolicy.Empty).Select(View("""
            cg /a 900
            p /a 10 dying 800 exiting
            p /a 11 zombie 0 exiting
            cg /b 50
            p /b 20 small 50
            """));
        Assert.Equal(20, decision.Victim!.Pid);
        Assert.Equal("nothing killable inside", decision.Path[0].Ranked.Single(c => c.Name == "/a").Note);
    }

    [Fact]
    public void Only_dying_processes_is_nothing_to_kill_and_the_summary_says_so()
    {
        var decision = new HierarchicalSelector(CompiledPolicy.Empty).Select(View("""
            cg /a 900
            p /a 10 dying 800 exiting
            """, "/a"));
        Assert.True(decision.NothingToKill);
        Assert.Contains("exiting or without memory", decision.Summary);
    }

    [Fact]
    public void The_ladders_first_rung_is_the_largest_process_that_is_not_exiting()
    {
        var decision = new HierarchicalSelector(Rules("cgroup=/a kill=cgroup")).Select(View(Tree));
        Assert.Equal(12, decision.Victim!.Pid);
        Assert.Equal("/a", decision.VictimCgroup!.Path);
    }

    [Fact]
    public void The_badness_selector_skips_them_too()
    {
        var decision = new BadnessSelector(CompiledPolicy.Empty).Select(View(Tree));
        Assert.Equal(12, decision.Victim!.Pid);
        var ranked = decision.Path[0].Ranked;
        Assert.Equal("skipped: already exiting", ranked.Single(c => c.Pid == 10).Note);
        Assert.False(ranked.Single(c => c.Pid == 10).Protected);
        Assert.Equal("skipped: no memory to free", ranked.Single(c => c.Pid == 11).Note);

        var none = new BadnessSelector(CompiledPolicy.Empty).Select(View("p /a 10 dying 800 exiting"));
        Assert.True(none.NothingToKill);
        Assert.Equal("nothing to kill in system: all 1 processes are protected, exiting or without memory", none.Summary);
    }
}
