using OomWarden.Core.Engine;

namespace OomWarden.Core.Tests.Engine;

public class KillCountersTests
{
    private static long Sample(List<CounterSample> samples, string name, params (string, string)[] labels)
    {
        var match = samples.Where(s => s.Name == name && s.Labels.Count == labels.Length
            && labels.All(l => s.Labels.Any(kv => kv.Key == l.Item1 && kv.Value == l.Item2))).ToList();
        return Assert.Single(match).Value;
    }

    [Fact]
    public void A_first_reading_is_the_baseline_and_later_readings_count_what_moved()
    {
        var c = new KillCounters();
        Assert.Equal(new CgroupKillCounts(0, 0, 0), c.Observe("/a", new CgroupKillCounts(5, 7, 1)));
        Assert.Equal(new CgroupKillCounts(1, 2, 0), c.Observe("/a", new CgroupKillCounts(6, 9, 1)));
        var samples = new List<CounterSample>();
        c.Collect(samples);
        Assert.Equal(1, Sample(samples, KillCounters.KernelKillsName, ("kind", "memcg"), ("domain", "/a"), ("scope", "local")));
        Assert.Equal(2, Sample(samples, KillCounters.KernelKillsName, ("kind", "memcg"), ("domain", "/a"), ("scope", "hierarchical")));
        Assert.Equal(0, Sample(samples, KillCounters.GroupKillsName, ("domain", "/a")));
    }

    [Fact]
    public void Saved_values_make_the_first_reading_count_the_kills_made_while_stopped()
    {
        var c = new KillCounters();
        c.Baseline("/a", new CgroupKillCounts(2, null, null));
        var delta = c.Observe("/a", new CgroupKillCounts(3, null, null));
        Assert.Equal(1, delta.Local);
        Assert.Null(delta.Hierarchical);
        Assert.True(delta.Any);
        Assert.Equal((1L, (long?)null, (long?)null), ((long)c.Counted("/a").Local!, c.Counted("/a").Hierarchical, c.Counted("/a").GroupKills));
    }

    [Fact]
    public void A_counter_that_went_down_is_a_new_cgroup_under_the_same_path()
    {
        Assert.Equal(new CgroupKillCounts(1, null, null), new CgroupKillCounts(1, null, null).Since(new CgroupKillCounts(9, null, null)));
    }

    [Fact]
    public void Kinds_user_kills_and_restart_loops_are_counted_and_summarised()
    {
        var c = new KillCounters();
        c.KernelKill(KernelKillKind.System);
        c.KernelKill(KernelKillKind.Memcg, 3);
        c.UserKill("/a", dryRun: false);
        c.UserKill("/a", dryRun: true);
        c.RestartLoop();
        var samples = new List<CounterSample>();
        c.Collect(samples);
        Assert.Equal(1, Sample(samples, KillCounters.KernelKillsName, ("kind", "system")));
        Assert.Equal(3, Sample(samples, KillCounters.KernelKillsName, ("kind", "memcg")));
        Assert.Equal(0, Sample(samples, KillCounters.KernelKillsName, ("kind", "cpuset")));
        Assert.Equal(0, Sample(samples, KillCounters.KernelKillsName, ("kind", "mempolicy")));
        Assert.Equal(1, Sample(samples, KillCounters.UserKillsName, ("domain", "/a"), ("mode", "kill")));
        Assert.Equal(1, Sample(samples, KillCounters.UserKillsName, ("domain", "/a"), ("mode", "dry_run")));
        Assert.Equal(1, Sample(samples, KillCounters.RestartLoopsName));
        Assert.All(samples, s => Assert.EndsWith("_total", s.Name));
        Assert.Equal("kernel kills: system 1, memcg 3, cpuset 0, mempolicy 0; oomwarden's kills 1 (dry run 1); restart loops 1", c.Summary());
    }

    [Theory]
    [InlineData("CONSTRAINT_NONE", false, KernelKillKind.System)]
    [InlineData("CONSTRAINT_MEMCG", true, KernelKillKind.Memcg)]
    [InlineData("CONSTRAINT_CPUSET", false, KernelKillKind.Cpuset)]
    [InlineData("CONSTRAINT_MEMORY_POLICY", false, KernelKillKind.Mempolicy)]
    [InlineData(null, true, KernelKillKind.Memcg)]
    [InlineData(null, false, KernelKillKind.System)]
    public void Kind_comes_from_the_constraint(string? constraint, bool memcg, KernelKillKind kind) =>
        Assert.Equal(kind, KernelKillKinds.FromConstraint(constraint, memcg));
}
