using OomWarden.Core.Decisions;
using OomWarden.Core.Policy;
using static OomWarden.Core.Tests.TreeDsl;

namespace OomWarden.Core.Tests.Decisions;

public class BadnessSelectorTests
{
    private const string Tree = """
        cg /a 900
        p /a 10 big 800
        p /a 11 tuned 100 adj=900
        cg /b/c 500
        p /b/c 20 mid 500
        p / 1 init 2000
        """;

    [Fact]
    public void PicksTheHighestKernelBadnessAcrossTheTree()
    {
        // adj 900 × totalpages/1000 outweighs 700 MiB of rss on a 16 GiB machine
        var decision = new BadnessSelector(CompiledPolicy.Empty).Select(View(Tree));
        Assert.Equal(11, decision.Victim!.Pid);
        Assert.Equal(KillMode.Process, decision.Action!.Mode);
        Assert.StartsWith("kill tuned (11)", decision.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void IgnoresPrioritiesButHonoursProtectionOnTheProcessOrAnyCgroupAbove()
    {
        var byComm = new BadnessSelector(Rules("comm=tuned protect", "comm=big priority=1000")).Select(View(Tree));
        Assert.Equal(10, byComm.Victim!.Pid);

        var byAncestor = new BadnessSelector(Rules("cgroup=/a protect")).Select(View(Tree));
        Assert.Equal(20, byAncestor.Victim!.Pid);

        var byDomainAncestor = new BadnessSelector(Rules("cgroup=/b protect")).Select(View(Tree, "/b/c"));
        Assert.True(byDomainAncestor.NothingToKill);
    }

    [Fact]
    public void MemcgDomainStaysInside()
    {
        var decision = new BadnessSelector(CompiledPolicy.Empty).Select(View(Tree, "/b"));
        Assert.Equal(20, decision.Victim!.Pid);
    }

    [Fact]
    public void NothingToKillWhenOnlyHardProtectedRemain()
    {
        var decision = new BadnessSelector(CompiledPolicy.Empty).Select(View("p / 1 init 100\np / 2 kthreadd 0 kthread\np / 3 keep 50 adj=-1000"));
        Assert.True(decision.NothingToKill);
        Assert.Equal("nothing to kill in system: all 3 processes are protected", decision.Summary);
        Assert.All(decision.Path[0].Ranked, c => Assert.True(c.Protected));
    }

    [Fact]
    public void FactoryFollowsTheSelectorSetting()
    {
        var settings = OomWarden.Core.Settings.DaemonSettings.Default;
        Assert.IsType<HierarchicalSelector>(VictimSelectors.Create(settings, CompiledPolicy.Empty, 123));
        Assert.IsType<BadnessSelector>(VictimSelectors.Create(settings with { Selector = OomWarden.Core.Settings.SelectorKind.Badness }, CompiledPolicy.Empty, 123));
    }
}

public class CachedDomainViewTests
{
    [Fact]
    public void ReadsEachCgroupOnce()
    {
        var inner = View("cg /a 10\np /a 10 x 10");
        var cached = new CachedDomainView(inner);
        var a = cached.Root.Find("/a")!;
        var first = cached.ProcessesIn(a);
        var second = cached.ProcessesIn(a);
        Assert.Same(first, second);
        Assert.Equal(["/a"], inner.Reads);
        Assert.Equal(inner.DomainTotalBytes, cached.DomainTotalBytes);
        Assert.Same(inner.Root, cached.Root);
    }
}
