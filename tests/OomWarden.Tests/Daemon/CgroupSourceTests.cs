using OomWarden.Core.Engine;
using OomWarden.Core.Settings;
using OomWarden.Daemon;
using OomWarden.Linux.Domains;
using OomWarden.Linux.Loop;

namespace OomWarden.Tests.Daemon;

public sealed class CgroupSourceTests
{
    /// <summary>Regression (kept from WatchedCgroup): a failed wake-up registration (here: epoll refuses a regular
    /// file) must not dispose the cgroup's reader; the cgroup falls back to polling.</summary>
    [Fact]
    public void A_cgroup_whose_wakeup_cannot_be_armed_is_still_polled()
    {
        using var tree = FixtureTree.Copy("kernel-6.1-v2");
        using var host = LiveHost.Open(tree.Paths);
        var limited = Assert.Single(host.ListLimitedCgroups());
        using var loop = new EventLoop();
        var domain = new CgroupDomain(limited.Path, limited.LimitBytes, new CgroupThresholds(), 1 << 20);
        using var source = CgroupSource.TryOpen(domain, limited.Directory, limited.Version, new SelectionReaders(host.Tree, host.Processes))!;

        Assert.False(source.TryArmWakeup(loop, new CgroupThresholds(), 1 << 20, () => { }));
        Assert.False(source.HasKernelWakeup);
        Assert.Equal(ReadResult.Ok, source.Read());
        Assert.True(domain.HasFigures);
        Assert.Equal(limited.LimitBytes, domain.Memory.LimitBytes);
        Assert.Equal(0, loop.Count);
    }
}
