using OomWarden.Core.Decisions;
using OomWarden.Core.Model;
using OomWarden.Core.Policy;

namespace OomWarden.Core.Tests.Decisions;

/// <summary>Correctness at sizes that used to fail (issue 8): 10^5 processes in one cgroup, and a tree 20,000 levels
/// deep walked on a thread with a small stack, so any recursion proportional to the depth overflows it. Times are
/// printed by bench/simulate, not asserted here.</summary>
public class ScaleTests
{
    private const int SmallStackBytes = 256 * 1024;

    /// <summary>Runs <paramref name="body"/> on a thread with a 256 KiB stack and rethrows what it threw.</summary>
    internal static void OnSmallStack(Action body)
    {
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try { body(); }
            catch (Exception ex) { failure = ex; }
        }, SmallStackBytes);
        thread.Start();
        thread.Join();
        if (failure is not null) throw new AggregateException(failure);
    }

    /// <summary>A chain of <paramref name="depth"/> cgroups below "/", one process at the bottom. Paths are short
    /// and unique ("/d17"), not nested: the selectors only compare them, and nested paths of 20,000 levels would
    /// hold 4·10^8 characters.</summary>
    private static FakeDomainView Chain(int depth, out int victimPid)
    {
        CgroupNode node = new($"/d{depth}", new CgroupMemory(1 << 20, CgroupMemory.Unlimited, CgroupMemory.Unlimited, 0, 0), []);
        var bottom = node;
        for (int d = depth - 1; d >= 1; d--)
            node = new CgroupNode($"/d{d}", new CgroupMemory(1 << 20, CgroupMemory.Unlimited, CgroupMemory.Unlimited, 0, 0), [node]);
        var root = new CgroupNode("/", new CgroupMemory(1 << 20, CgroupMemory.Unlimited, CgroupMemory.Unlimited, 0, 0), [node]);
        victimPid = 4242;
        var processes = new Dictionary<string, List<ProcessSample>>
        {
            [bottom.Path] = [new ProcessSample { Pid = victimPid, Comm = "deep", RssBytes = 1 << 20, CgroupPath = bottom.Path }],
        };
        return new FakeDomainView(Domain.System, root, processes, 16L << 30);
    }

    [Fact]
    public void Hierarchical_walk_of_a_20000_deep_tree_finds_the_bottom_process()
    {
        var view = Chain(20_000, out int pid);
        OnSmallStack(() =>
        {
            var decision = new HierarchicalSelector(CompiledPolicy.Empty).Select(view);
            Assert.Equal(pid, decision.Victim!.Pid);
            Assert.Equal(20_001, decision.Path.Count);
            Assert.Equal("/", decision.Path[0].CgroupPath);
            Assert.Equal("/d20000", decision.Path[^1].CgroupPath);
            Assert.All(decision.Path, level => Assert.NotEmpty(level.Ranked));
        });
    }

    [Fact]
    public void Hierarchical_walk_backtracks_out_of_a_20000_deep_dead_end()
    {
        // The deep chain's only process is protected: the walk must come all the way back up and take the sibling.
        var chain = Chain(20_000, out int deepPid);
        var sibling = new CgroupNode("/sibling", new CgroupMemory(1, CgroupMemory.Unlimited, CgroupMemory.Unlimited, 0, 0), []);
        var root = new CgroupNode("/", chain.Root.Memory, [chain.Root.Children[0], sibling]);
        var processes = new Dictionary<string, List<ProcessSample>>
        {
            ["/d20000"] = [new ProcessSample { Pid = deepPid, Comm = "deep", RssBytes = 1 << 20, OomScoreAdj = -1000 }],
            ["/sibling"] = [new ProcessSample { Pid = 7, Comm = "small", RssBytes = 1 }],
        };
        var view = new FakeDomainView(Domain.System, root, processes, 16L << 30);
        OnSmallStack(() =>
        {
            var decision = new HierarchicalSelector(CompiledPolicy.Empty).Select(view);
            Assert.Equal(7, decision.Victim!.Pid);
            Assert.Equal(["/", "/sibling"], decision.Path.Select(l => l.CgroupPath));
            Assert.Equal("nothing killable inside", decision.Path[0].Ranked.Single(c => c.Name == "/d1").Note);
        });
    }

    [Fact]
    public void Badness_walk_of_a_20000_deep_tree_finds_the_bottom_process()
    {
        var view = Chain(20_000, out int pid);
        OnSmallStack(() => Assert.Equal(pid, new BadnessSelector(CompiledPolicy.Empty).Select(view).Victim!.Pid));
    }

    [Fact]
    public void Tree_enumeration_and_find_are_iterative()
    {
        const int depth = 5_000; // nested paths: 2.5·10^7 characters in all
        var paths = new string[depth + 1];
        paths[0] = "/";
        for (int d = 1; d <= depth; d++) paths[d] = (d == 1 ? "" : paths[d - 1]) + "/c";
        CgroupNode node = new(paths[depth], default, []);
        for (int d = depth - 1; d >= 0; d--) node = new CgroupNode(paths[d], default, [node]);
        var root = node;
        OnSmallStack(() =>
        {
            Assert.Equal(depth + 1, root.DescendantsAndSelf().Count());
            Assert.Same(root.DescendantsAndSelf().Last(), root.Find(paths[depth]));
            Assert.Null(root.Find(paths[depth] + "/nope"));
        });
    }

    [Fact]
    public void Hundred_thousand_processes_in_one_cgroup_rank_by_footprint()
    {
        var list = new List<ProcessSample>(100_000);
        for (int i = 0; i < 100_000; i++)
            list.Add(new ProcessSample { Pid = 10 + i, Comm = "p" + i, RssBytes = (long)((i * 7919L) % 100_003) << 12 });
        var view = new FakeDomainView(Domain.System, new CgroupNode("/", default, []), new() { ["/"] = list }, 1L << 40);
        var expected = list.MaxBy(p => p.RssBytes)!;
        var decision = new HierarchicalSelector(CompiledPolicy.Empty).Select(view);
        Assert.Equal(expected.Pid, decision.Victim!.Pid);
        Assert.Equal(100_000, decision.Path[0].Ranked.Count);
        Assert.Equal(expected.Pid, new BadnessSelector(CompiledPolicy.Empty).Select(view).Victim!.Pid);
    }
}
