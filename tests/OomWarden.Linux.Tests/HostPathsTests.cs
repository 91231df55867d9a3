namespace OomWarden.Linux.Tests;

public class HostPathsTests
{
    [Fact]
    public void Default_paths()
    {
        var p = HostPaths.Default;
        Assert.Equal("/proc/meminfo", p.MeminfoPath);
        Assert.Equal("/proc/pressure/memory", p.PressureMemoryPath);
        Assert.Equal("/proc/123", p.ProcPid(123));
        Assert.Equal("/sys/fs/cgroup/memory", p.MapHostPath("/sys/fs/cgroup/memory"));
        Assert.True(p.IsDefault);
    }

    [Fact]
    public void Fixture_paths_map_host_mount_points()
    {
        var p = new HostPaths("/t/proc/", "/t/sys");
        Assert.Equal("/t/proc/self/mountinfo", p.SelfMountInfoPath);
        Assert.Equal("/t/sys/fs/cgroup/memory", p.MapHostPath("/sys/fs/cgroup/memory"));
        Assert.Equal("/t/sys", p.MapHostPath("/sys"));
        Assert.Equal("/system/x", p.MapHostPath("/system/x"));
        Assert.Equal("/t/proc/1/x", p.MapHostPath("/proc/1/x"));
        Assert.Equal("/t/sys/fs/cgroup", p.Sys("/fs/cgroup"));
        Assert.False(p.IsDefault);
    }
}
