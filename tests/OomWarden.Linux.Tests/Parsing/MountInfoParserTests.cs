using System.Text;
using OomWarden.Linux.Parsing;

namespace OomWarden.Linux.Tests.Parsing;

public class MountInfoParserTests
{
    [Fact]
    public void Host_hybrid_layout()
    {
        Assert.True(MountInfoParser.TryParse(Fixtures.Bytes("kernel-6.18-hybrid", "proc/self/mountinfo"), out var layout));
        Assert.Equal(CgroupLayoutKind.Hybrid, layout.Kind);
        Assert.Equal(CgroupVersion.V1, layout.MemoryVersion);
        Assert.Equal("/sys/fs/cgroup/memory", layout.MemoryMount!.MountPoint);
        Assert.Equal("/sys/fs/cgroup/unified", layout.V2Mount!.MountPoint);
        Assert.Equal("/sys/fs/cgroup/cpuset", layout.CpusetV1Mount!.MountPoint);
        Assert.Equal("/sys/fs/cgroup/freezer", layout.FreezerV1Mount!.MountPoint);
        Assert.Equal("/sys/fs/cgroup/systemd", layout.SystemdV1Mount!.MountPoint);
    }

    [Fact]
    public void Pure_v2_layout()
    {
        Assert.True(MountInfoParser.TryParse(Fixtures.Bytes("kernel-6.1-v2", "proc/self/mountinfo"), out var layout));
        Assert.Equal(CgroupLayoutKind.V2, layout.Kind);
        Assert.Equal(CgroupVersion.V2, layout.MemoryVersion);
        Assert.Equal("/sys/fs/cgroup", layout.MemoryMount!.MountPoint);
        Assert.Null(layout.CpusetV1Mount);
        Assert.Equal(CgroupVersion.None, layout.WithV2Controllers("cpu io pids\n"u8).MemoryVersion);
        Assert.Equal(CgroupVersion.V2, layout.WithV2Controllers(Fixtures.Bytes("kernel-6.1-v2", "sys/fs/cgroup/cgroup.controllers")).MemoryVersion);
    }

    [Fact]
    public void V1_only_layout_with_comma_named_mount_point()
    {
        Assert.True(MountInfoParser.TryParse(Fixtures.Bytes("kernel-4.9-v1", "proc/self/mountinfo"), out var layout));
        Assert.Equal(CgroupLayoutKind.V1, layout.Kind);
        Assert.Equal(CgroupVersion.V1, layout.MemoryVersion);
        Assert.Null(layout.V2Mount);
        Assert.Contains(layout.Mounts, m => m.MountPoint == "/sys/fs/cgroup/cpu,cpuacct" && m.HasV1Controller("cpuacct"));
    }

    [Fact]
    public void Hybrid_with_memory_on_v2_after_controllers_are_known()
    {
        var text = "30 22 0:27 / /sys/fs/cgroup rw - tmpfs tmpfs rw\n" +
                   "31 30 0:28 / /sys/fs/cgroup/unified rw shared:3 - cgroup2 cgroup2 rw\n" +
                   "32 30 0:29 / /sys/fs/cgroup/cpuset rw shared:4 master:1 - cgroup cgroup rw,cpuset\n";
        Assert.True(MountInfoParser.TryParse(Encoding.UTF8.GetBytes(text), out var layout));
        Assert.Equal(CgroupLayoutKind.Hybrid, layout.Kind);
        Assert.Equal(CgroupVersion.None, layout.MemoryVersion);
        var withMemory = layout.WithV2Controllers("memory pids"u8);
        Assert.Equal(CgroupVersion.V2, withMemory.MemoryVersion);
        Assert.Equal("/sys/fs/cgroup/unified", withMemory.MemoryMount!.MountPoint);
    }

    [Fact]
    public void Escaped_mount_point_and_container_root()
    {
        var text = "40 30 0:31 /docker/abc /sys/fs/cgroup/my\\040memory rw - cgroup cgroup rw,memory\n";
        Assert.True(MountInfoParser.TryParse(Encoding.UTF8.GetBytes(text), out var layout));
        var mount = layout.MemoryMount!;
        Assert.Equal("/sys/fs/cgroup/my memory", mount.MountPoint);
        Assert.Equal("/docker/abc", mount.Root);
        var paths = new HostPaths("/p", "/s");
        Assert.Equal("/s/fs/cgroup/my memory/x", layout.MemoryCgroupDirectory(paths, "/docker/abc/x"));
        Assert.Equal("/s/fs/cgroup/my memory", layout.MemoryCgroupDirectory(paths, "/docker/abc"));
        Assert.Null(layout.MemoryCgroupDirectory(paths, "/docker/abcd"));
        Assert.Null(layout.MemoryCgroupDirectory(paths, "/other"));
    }

    [Theory]
    [InlineData("\\134", "\\")]
    [InlineData("a\\011b\\012c", "a\tb\nc")]
    [InlineData("trailing\\04", "trailing\\04")]
    [InlineData("\\999", "\\999")]
    public void Unescape(string field, string expected) =>
        Assert.Equal(expected, MountInfoParser.Unescape(Encoding.UTF8.GetBytes(field)));

    [Fact]
    public void Prefers_the_conventional_mount_over_a_bind_mount()
    {
        var text = "40 30 0:31 / /var/lib/x/memory rw - cgroup cgroup rw,memory\n" +
                   "41 30 0:31 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n";
        Assert.True(MountInfoParser.TryParse(Encoding.UTF8.GetBytes(text), out var layout));
        Assert.Equal("/sys/fs/cgroup/memory", layout.MemoryMount!.MountPoint);
    }

    [Theory]
    [InlineData("40 30 0:31 / /x rw cgroup cgroup rw,memory\n")] // no separator
    [InlineData("40 30\n")]
    [InlineData("")]
    public void Rejects(string text) => Assert.False(MountInfoParser.TryParse(Encoding.UTF8.GetBytes(text), out _));

    [Fact]
    public void No_cgroup_mounts_is_layout_none()
    {
        Assert.True(MountInfoParser.TryParse("26 1 254:0 / / rw,relatime - ext4 /dev/vda rw\n"u8, out var layout));
        Assert.Equal(CgroupLayoutKind.None, layout.Kind);
        Assert.Equal(CgroupVersion.None, layout.MemoryVersion);
    }
}
