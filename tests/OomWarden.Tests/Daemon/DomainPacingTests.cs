using Microsoft.Extensions.Time.Testing;
using OomWarden.Daemon;
using OomWarden.Linux.Domains;

namespace OomWarden.Tests.Daemon;

/// <summary>While no kill is in flight each cgroup is read at its own pace: a small cgroup, or one near its limit, is
/// read often, one far from its limit every few seconds (a node with many pods must not read them all on every tick
/// that one small or busy pod asks for).</summary>
public sealed class DomainPacingTests
{
    private const long MiB = 1 << 20;

    private static FixtureTree TwoCgroups()
    {
        var tree = FixtureTree.Copy("kernel-6.1-v2");
        string small = Path.Combine(tree.Root, "sys/fs/cgroup/work.slice");
        string big = Path.Combine(tree.Root, "sys/fs/cgroup/big.slice");
        Directory.CreateDirectory(big);
        foreach (var f in Directory.GetFiles(small)) File.Copy(f, Path.Combine(big, Path.GetFileName(f)));
        File.WriteAllText(Path.Combine(big, "memory.max"), (64L << 30) + "\n");
        File.WriteAllText(Path.Combine(big, "memory.current"), MiB + "\n");
        // A 16 GiB machine with 14 GiB available: the system is far from its levels too.
        string meminfo = Path.Combine(tree.Root, "proc/meminfo");
        var lines = File.ReadAllLines(meminfo).Select(l =>
            l.StartsWith("MemTotal:") ? "MemTotal:       16777216 kB"
            : l.StartsWith("MemFree:") ? "MemFree:        14680064 kB"
            : l.StartsWith("MemAvailable:") ? "MemAvailable:   14680064 kB" : l);
        File.WriteAllLines(meminfo, lines);
        return tree;
    }

    private static DaemonRuntime Build(FixtureTree tree, TimeProvider time)
    {
        var config = OomWarden.Configuration.ConfigLoader.Default();
        config = config with { Settings = config.Settings with { Action = config.Settings.Action with { DryRun = true } } };
        var daemon = DaemonRuntime.Build(config, tree.Paths, time, "test");
        daemon.Runner.Rescan();
        return daemon;
    }

    private static CgroupSource Source(DaemonRuntime daemon, string path)
    {
        foreach (var c in daemon.Domains.Cgroups) if (c.Cgroup.Path == path) return c;
        throw new Xunit.Sdk.XunitException("no cgroup " + path);
    }

    [Fact]
    public void An_idle_engine_reads_a_cgroup_far_from_its_limit_less_often_than_one_near_it()
    {
        using var tree = TwoCgroups();
        var time = new FakeTimeProvider();
        using var daemon = Build(tree, time);
        var small = Source(daemon, "/work.slice");
        var big = Source(daemon, "/big.slice");
        daemon.Runner.Tick();
        daemon.Runner.Tick();
        Assert.Empty(daemon.Engine.KillsInFlight);
        Assert.False(small.Cgroup.NeedsEveryTick);
        Assert.False(big.Cgroup.NeedsEveryTick);
        long smallUsage = small.Cgroup.Memory.UsageBytes, bigUsage = big.Cgroup.Memory.UsageBytes;
        Assert.Equal(MiB, bigUsage);

        // Both grow by 8 MiB. 100 ms later the small cgroup (256 MiB: due within ~50 ms at the worst fill rate) is
        // read again; the big one (64 GiB, 1 MiB used: due after max_interval) keeps its figures.
        File.WriteAllText(Path.Combine(tree.Root, "sys/fs/cgroup/work.slice/memory.current"), (smallUsage + 8 * MiB) + "\n");
        File.WriteAllText(Path.Combine(tree.Root, "sys/fs/cgroup/big.slice/memory.current"), (bigUsage + 8 * MiB) + "\n");
        time.Advance(TimeSpan.FromMilliseconds(100));
        daemon.Runner.Tick();
        Assert.Equal(smallUsage + 8 * MiB, small.Cgroup.Memory.UsageBytes);
        Assert.Equal(bigUsage, big.Cgroup.Memory.UsageBytes);
        // The loop sleeps until the small one is due, not for the big one's interval.
        Assert.InRange(daemon.Domains.UntilNextRead(time.GetTimestamp(), time.TimestampFrequency), TimeSpan.Zero, TimeSpan.FromMilliseconds(200));

        time.Advance(daemon.Config.Settings.Monitor.MaxInterval);
        daemon.Runner.Tick();
        Assert.Equal(bigUsage + 8 * MiB, big.Cgroup.Memory.UsageBytes);
    }

    [Fact]
    public void A_cgroup_the_engine_has_business_with_is_read_on_every_tick_and_the_others_keep_their_pace()
    {
        using var tree = TwoCgroups();
        var time = new FakeTimeProvider();
        using var daemon = Build(tree, time);
        var small = Source(daemon, "/work.slice");
        var big = Source(daemon, "/big.slice");
        daemon.Runner.Tick();
        daemon.Runner.Tick();
        // 210 MiB of 256: below the low warning level (20 % available) and inside the prepare band, above the term level.
        string smallUsage = Path.Combine(tree.Root, "sys/fs/cgroup/work.slice/memory.current");
        File.WriteAllText(smallUsage, (210 * MiB) + "\n");
        time.Advance(TimeSpan.FromMilliseconds(100));
        daemon.Runner.Tick();
        Assert.True(small.Cgroup.NeedsEveryTick);
        Assert.False(big.Cgroup.NeedsEveryTick);
        Assert.Empty(daemon.Engine.KillsInFlight);
        for (int i = 1; i <= 5; i++)
        {
            File.WriteAllText(smallUsage, (210 * MiB + i * 4096) + "\n");
            File.WriteAllText(Path.Combine(tree.Root, "sys/fs/cgroup/big.slice/memory.current"), (MiB + i * 4096) + "\n");
            time.Advance(TimeSpan.FromMilliseconds(1));
            daemon.Runner.Tick();
            Assert.Equal(210 * MiB + i * 4096, small.Cgroup.Memory.UsageBytes);
            Assert.Equal(MiB, big.Cgroup.Memory.UsageBytes);
        }
    }

    [Fact]
    public void The_idle_tick_allocates_nothing()
    {
        using var tree = TwoCgroups();
        var time = new FakeTimeProvider();
        using var daemon = Build(tree, time);
        for (int i = 0; i < 100; i++) daemon.Runner.Tick();
        Assert.False(Source(daemon, "/work.slice").Cgroup.NeedsEveryTick);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10_000; i++)
        {
            time.Advance(TimeSpan.FromMilliseconds(7));
            daemon.Runner.Tick();
            _ = daemon.Domains.UntilNextRead(time.GetTimestamp(), time.TimestampFrequency);
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Empty(daemon.Engine.KillsInFlight);
    }
}
