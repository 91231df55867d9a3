using OomWarden.Core.Settings;
using OomWarden.Daemon;

namespace OomWarden.Tests.Daemon;

public sealed class WatchedCgroupTests
{
    /// <summary>Regression: a failed wake-up registration (here: epoll refuses a regular file) used to dispose
    /// the cgroup's reader too, and the next tick threw ObjectDisposedException. It must fall back to polling.</summary>
    [Fact]
    public void A_cgroup_whose_wakeup_cannot_be_armed_is_still_polled()
    {
        using var tree = FixtureTree.Copy("kernel-6.1-v2");
        using var host = LiveHost.Open(tree.Paths);
        var limited = Assert.Single(host.ListLimitedCgroups());
        using var cg = WatchedCgroup.TryOpen(limited.Path, limited.Directory, limited.Version, limited.LimitBytes)!;
        using var wake = new WakeSources();

        Assert.False(cg.TryArmWakeup(wake.EpollFd, new CgroupThresholds(), 1 << 20, 0));
        Assert.False(cg.HasKernelWakeup);
        Assert.True(cg.Tick(new CgroupThresholds(), 1 << 20));
        Assert.Equal(limited.LimitBytes, cg.Last.LimitBytes);
    }
}
