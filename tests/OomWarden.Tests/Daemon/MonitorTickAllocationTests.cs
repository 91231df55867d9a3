using OomWarden.Core.Detection;
using OomWarden.Core.Settings;
using OomWarden.Daemon;
using OomWarden.Linux.Readers;

namespace OomWarden.Tests.Daemon;

/// <summary>The daemon's monitoring tick allocates nothing once warm: 10,000 ticks over fixture trees.</summary>
public sealed class MonitorTickAllocationTests
{
    [Theory]
    [InlineData("kernel-6.1-v2", "sys/fs/cgroup/work.slice/memory.current", false)]
    [InlineData("kernel-6.1-v2", "sys/fs/cgroup/work.slice/memory.current", true)]
    [InlineData("kernel-6.18-hybrid", null, false)]
    public void Ten_thousand_ticks_allocate_zero_bytes(string scenario, string? usageFile, bool nearLimit)
    {
        using var tree = FixtureTree.Copy(scenario);
        // Near the limit the tick also reads memory.stat (inactive_file); far from it, usage alone.
        if (usageFile is not null) tree.Write(usageFile, nearLimit ? (250L << 20).ToString() : "262144");
        var settings = DaemonSettings.Default;
        using var host = LiveHost.Open(tree.Paths);
        var watched = host.ListLimitedCgroups()
            .Select(c => WatchedCgroup.TryOpen(c.Path, c.Directory, c.Version, c.LimitBytes)!)
            .ToArray();
        using var monitor = new OomWarden.Daemon.Monitor(new MeminfoReader(tree.Paths), settings);
        monitor.ReplaceCgroups(watched);
        if (usageFile is not null) Assert.NotEmpty(watched);

        for (int i = 0; i < 100; i++) monitor.Tick();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10_000; i++) monitor.Tick();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.True(monitor.Memory.MemTotalBytes > 0);
        if (nearLimit) Assert.NotEqual(PressureLevel.None, watched[0].Reading.Level);
    }
}
