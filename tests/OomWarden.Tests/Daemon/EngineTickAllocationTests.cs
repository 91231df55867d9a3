using OomWarden.Configuration;
using OomWarden.Core.Detection;
using OomWarden.Core.Engine;
using OomWarden.Daemon;

namespace OomWarden.Tests.Daemon;

/// <summary>The daemon's tick as it ships, built by the composition root over fixture trees: every domain read and
/// the engine stepped, 0 bytes per tick once warm.</summary>
public sealed class EngineTickAllocationTests
{
    [Theory]
    [InlineData("kernel-6.1-v2", "sys/fs/cgroup/work.slice/memory.current", false)]
    [InlineData("kernel-6.1-v2", "sys/fs/cgroup/work.slice/memory.current", true)]
    [InlineData("kernel-6.18-hybrid", null, false)]
    [InlineData("kernel-6.1-v2", null, false, true)]
    public void Ten_thousand_reads_and_steps_allocate_zero_bytes(string scenario, string? usageFile, bool nearLimit, bool numa = false)
    {
        using var tree = FixtureTree.Copy(scenario);
        // Near the limit the tick also reads memory.stat (inactive_file); far from it, usage alone.
        if (usageFile is not null) tree.Write(usageFile, nearLimit ? (250L << 20).ToString() : "262144");
        if (numa) AddNodes(tree);
        using var daemon = Build(tree, ConfigLoader.Default());
        if (usageFile is not null) Assert.NotEmpty(daemon.Domains.Cgroups.ToArray());

        // Small cgroups sit in the prepare band: the engine asks for decisions, which (like every selection)
        // allocate; they are left unanswered here, so this measures the reads and the engine's step alone.
        void Tick()
        {
            daemon.Domains.ReadAll();
            daemon.Engine.Step();
        }
        for (int i = 0; i < 100; i++) Tick();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10_000; i++) Tick();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.True(daemon.Domains.System!.System.Memory.MemTotalBytes > 0);
        if (nearLimit) Assert.NotEqual(PressureLevel.None, daemon.Domains.Cgroups[0].Domain.Level);
        // Near the limit the cgroup's warning level is held (and its memory.pressure read) all along.
        if (nearLimit) Assert.Equal(WarningLevel.Critical, daemon.Engine.WarningOf(daemon.Domains.Cgroups[0].Domain.Name));
        if (nearLimit) Assert.True(daemon.Domains.Cgroups[0].ReadsPressure);
        if (numa) Assert.Equal(["nodes:0", "nodes:1"], daemon.Domains.Nodes.ToArray().Select(n => n.Domain.Name));
    }

    /// <summary>With a prepare band narrower than the fixtures' headroom nothing is decided: the whole tick (reads,
    /// step, commands, next deadline) allocates nothing.</summary>
    [Theory]
    [InlineData("kernel-6.1-v2")]
    [InlineData("kernel-6.18-hybrid")]
    public void The_whole_tick_of_a_comfortable_host_allocates_zero_bytes(string scenario)
    {
        using var tree = FixtureTree.Copy(scenario);
        var config = ConfigLoader.Default();
        config = config with { Settings = config.Settings with { Monitor = config.Settings.Monitor with { MaxFillRateBytesPerSecond = 4L << 20 } } };
        using var daemon = Build(tree, config);
        var seen = new List<string>();
        daemon.Bus.Subscribe(new Collect(seen));
        for (int i = 0; i < 100; i++) daemon.Runner.Tick();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10_000; i++)
        {
            daemon.Runner.Tick();
            _ = daemon.Engine.NextDeadline;
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated == 0, $"{allocated} bytes; domains: {string.Join(", ", daemon.Domains.All.ToArray().Select(d => d.Domain.Name + "=" + d.Domain.Level))}; events: {string.Join(", ", seen)}");
    }

    private static DaemonRuntime Build(FixtureTree tree, LoadedConfig config)
    {
        config = config with { Settings = config.Settings with { Action = config.Settings.Action with { DryRun = true } } };
        var daemon = DaemonRuntime.Build(config, tree.Paths, TimeProvider.System, "test");
        daemon.Runner.Rescan();
        return daemon;
    }

    private static void AddNodes(FixtureTree tree)
    {
        for (int n = 0; n < 2; n++)
        {
            Directory.CreateDirectory(Path.Combine(tree.Root, $"sys/devices/system/node/node{n}"));
            tree.Write($"sys/devices/system/node/node{n}/meminfo",
                $"Node {n} MemTotal: 8388608 kB\nNode {n} MemFree: 6291456 kB\nNode {n} Inactive(file): 102400 kB\n");
        }
    }

    private sealed class Collect(List<string> seen) : IEventSink
    {
        public void Publish(EngineEvent e) => seen.Add(e.GetType().Name);
    }
}
