using OomWarden.Core.Model;
using OomWarden.Linux.Cgroups;
using OomWarden.Linux.Parsing;

namespace OomWarden.Linux.Tests.Cgroups;

public class CgroupMemoryReaderTests
{
    private static string Dir(string scenario, string relative) => Path.Combine(Fixtures.Dir(scenario), relative);

    private static long Value(string scenario, string relative) =>
        long.Parse(File.ReadAllText(Path.Combine(Fixtures.Dir(scenario), relative)).Trim());

    [Fact]
    public void V1_limited_cgroup_from_host()
    {
        const string cg = "sys/fs/cgroup/memory/linuxhelper-fixture";
        Assert.True(CgroupMemoryReader.TryOpen(Dir("kernel-6.18-hybrid", cg), CgroupVersion.V1, out var reader));
        using (reader)
        {
            Assert.True(reader.TryRead(out var memory));
            Assert.Equal(Value("kernel-6.18-hybrid", cg + "/memory.usage_in_bytes"), memory.UsageBytes);
            Assert.Equal(268435456, memory.LimitBytes);
            Assert.Equal(CgroupMemory.Unlimited, memory.HighBytes);
            Assert.Equal(Value("kernel-6.18-hybrid", cg + "/memory.memsw.usage_in_bytes") - memory.UsageBytes, memory.SwapBytes);
            Assert.True(CgroupMemoryStatParser.TryParse(Fixtures.Bytes("kernel-6.18-hybrid", cg + "/memory.stat"), out var stat));
            Assert.Equal(stat.InactiveFileBytes, memory.InactiveFileBytes);

            Assert.True(reader.TryReadEvents(out var events));
            Assert.Equal(new CgroupEvents(0, 0, Value("kernel-6.18-hybrid", cg + "/memory.failcnt"), 0, 0, 0), events);
            Assert.False(events.UnderOom);
        }
    }

    [Fact]
    public void V2_cgroup_from_vm()
    {
        const string cg = "sys/fs/cgroup/work.slice";
        Assert.True(CgroupMemoryReader.TryOpen(Dir("kernel-6.1-v2", cg), CgroupVersion.V2, out var reader));
        using (reader)
        {
            Assert.True(reader.TryRead(out var memory));
            Assert.Equal(Value("kernel-6.1-v2", cg + "/memory.current"), memory.UsageBytes);
            Assert.Equal(268435456, memory.LimitBytes);
            Assert.Equal(CgroupMemory.Unlimited, memory.HighBytes);
            Assert.True(reader.TryReadUsage(out long usage));
            Assert.Equal(memory.UsageBytes, usage);
            Assert.True(reader.TryReadEvents(out _));
        }
        Assert.True(CgroupMemoryReader.TryOpen(Dir("kernel-6.1-v2", cg + "/app.service"), CgroupVersion.V2, out var child));
        using (child)
        {
            Assert.True(child.TryRead(out var memory));
            Assert.Equal(CgroupMemory.Unlimited, memory.LimitBytes);
            Assert.Equal(201326592, memory.HighBytes);
        }
    }

    [Fact]
    public void V2_root_has_no_current_file_usage_comes_from_stat()
    {
        Assert.True(CgroupMemoryReader.TryOpen(Dir("kernel-6.1-v2", "sys/fs/cgroup"), CgroupVersion.V2, out var reader));
        using (reader)
        {
            Assert.True(reader.TryRead(out var memory));
            Assert.True(CgroupMemoryStatParser.TryParse(Fixtures.Bytes("kernel-6.1-v2", "sys/fs/cgroup/memory.stat"), out var s));
            Assert.Equal(s.AnonBytes + s.FileBytes + s.SlabReclaimableBytes + s.SlabUnreclaimableBytes, memory.UsageBytes);
            Assert.False(memory.HasLimit);
            Assert.False(reader.HasEvents);
            Assert.False(reader.TryReadEvents(out _));
        }
    }

    [Theory]
    [InlineData("old-kernel")]
    [InlineData("arm64-64k")]
    [InlineData("")]
    public void Huge_v1_limits_are_unlimited(string cgroup)
    {
        Assert.True(CgroupMemoryReader.TryOpen(Dir("huge-values", "sys/fs/cgroup/memory/" + cgroup), CgroupVersion.V1, out var reader));
        using (reader)
        {
            Assert.True(reader.TryReadLimit(out long limit));
            Assert.Equal(CgroupMemory.Unlimited, limit);
        }
    }

    [Fact]
    public void Missing_cgroup_does_not_open()
    {
        Assert.False(CgroupMemoryReader.TryOpen(Dir("vanishing", "sys/fs/cgroup/app.slice/gone.scope"), CgroupVersion.V2, out _));
        Assert.False(CgroupMemoryReader.TryOpen(Dir("vanishing", "sys/fs/cgroup/nothing"), CgroupVersion.V2, out _));
    }

    [Fact]
    public void Malformed_value_is_false_with_the_file_named()
    {
        using var tree = new TempTree("kernel-6.1-v2");
        Assert.True(CgroupMemoryReader.TryOpen(tree.PathOf("sys/fs/cgroup/work.slice"), CgroupVersion.V2, out var reader));
        using (reader)
        {
            File.WriteAllText(tree.PathOf("sys/fs/cgroup/work.slice/memory.current"), "garbage\n");
            Assert.False(reader.TryReadUsage(out _));
            Assert.Contains("memory.current", reader.LastError);
            Assert.False(reader.IsGone);
        }
    }

    [Fact]
    public void Reads_allocate_nothing_after_warm_up()
    {
        Assert.True(CgroupMemoryReader.TryOpen(Dir("kernel-6.18-hybrid", "sys/fs/cgroup/memory/linuxhelper-fixture"), CgroupVersion.V1, out var v1));
        Assert.True(CgroupMemoryReader.TryOpen(Dir("kernel-6.1-v2", "sys/fs/cgroup/work.slice"), CgroupVersion.V2, out var v2));
        using (v1)
        using (v2)
        {
            Assert.Equal(0, Allocation.Measure(10_000, () =>
            {
                Assert.True(v1.TryRead(out _));
                Assert.True(v1.TryReadEvents(out _));
                Assert.True(v2.TryRead(out _));
                Assert.True(v2.TryReadEvents(out _));
                Assert.True(v2.TryReadUsage(out _));
                Assert.True(v2.TryReadInactiveFile(out _));
            }));
        }
    }

    /// <summary>On the real host (v1 here, v2 in the vmlab guest): a memory cgroup removed while its reader is
    /// open reports gone (ENODEV), and its pressure reader too.</summary>
    [Fact]
    public void Real_host_removed_cgroup_reads_false()
    {
        var layout = CgroupLayoutReader.Read(HostPaths.Default);
        var parent = layout.MemoryCgroupDirectory(HostPaths.Default, "/");
        if (parent is null) Assert.Skip("no memory controller mounted: " + layout);
        string dir = parent + "/linuxhelper-test-" + Environment.ProcessId;
        try
        {
            Directory.CreateDirectory(dir);
        }
        catch (UnauthorizedAccessException)
        {
            Assert.Skip("cannot create a memory cgroup (not root)");
        }
        try
        {
            File.WriteAllText(dir + (layout.MemoryVersion == CgroupVersion.V1 ? "/memory.limit_in_bytes" : "/memory.max"), "67108864");
            Assert.True(CgroupMemoryReader.TryOpen(dir, layout.MemoryVersion, out var reader));
            using var pressure = OomWarden.Linux.Readers.PressureReader.ForCgroup(dir);
            using (reader)
            {
                Assert.True(reader.TryRead(out var memory));
                Assert.Equal(67108864, memory.LimitBytes);
                Assert.True(reader.TryReadEvents(out _));
                Assert.Equal(0, Allocation.Measure(1_000, () => reader.TryRead(out _)));
                Assert.Equal(layout.MemoryVersion == CgroupVersion.V2, pressure.IsSupported);
                Directory.Delete(dir);
                Assert.False(reader.TryRead(out _));
                Assert.True(reader.IsGone);
                Assert.False(reader.TryReadEvents(out _));
                Assert.False(pressure.TryRead(out _));
            }
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir);
        }
    }
}
