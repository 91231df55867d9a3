using OomWarden.Core.Model;
using OomWarden.Linux.Parsing;

namespace OomWarden.Linux.Tests.Parsing;

public class CgroupMemoryStatParserTests
{
    [Fact]
    public void V2_keys()
    {
        var text = "anon 100\nfile 200\nkernel 5\nshmem 7\nfile_dirty 8\nfile_writeback 9\nslab_reclaimable 10\nslab_unreclaimable 11\ninactive_file 150\nactive_file 50\n"u8;
        Assert.True(CgroupMemoryStatParser.TryParse(text, out var s));
        Assert.Equal(new CgroupMemoryStat(100, 200, 150, 50, 7, 8, 9, 10, 11, 0, CgroupMemory.Unlimited, CgroupMemory.Unlimited), s);
    }

    [Fact]
    public void V1_prefers_hierarchical_totals_over_local_counters()
    {
        var text = "cache 1\nrss 2\ninactive_file 3\nactive_file 4\nshmem 5\ndirty 6\nwriteback 7\nswap 8\n" +
                   "hierarchical_memory_limit 536870912\nhierarchical_memsw_limit 9223372036854771712\n" +
                   "total_cache 10\ntotal_rss 20\ntotal_shmem 50\ntotal_dirty 60\ntotal_writeback 70\ntotal_swap 80\ntotal_inactive_file 30\ntotal_active_file 40\n";
        Assert.True(CgroupMemoryStatParser.TryParse(System.Text.Encoding.ASCII.GetBytes(text), out var s));
        Assert.Equal(new CgroupMemoryStat(20, 10, 30, 40, 50, 60, 70, 0, 0, 80, 536870912, CgroupMemory.Unlimited), s);
    }

    [Theory]
    [InlineData("kernel-6.18-hybrid", "sys/fs/cgroup/memory/linuxhelper-fixture/memory.stat", "total_inactive_file", "total_rss")]
    [InlineData("kernel-6.18-hybrid", "sys/fs/cgroup/memory/memory.stat", "total_inactive_file", "total_rss")]
    [InlineData("kernel-6.1-v2", "sys/fs/cgroup/memory.stat", "inactive_file", "anon")]
    [InlineData("kernel-6.1-v2", "sys/fs/cgroup/work.slice/memory.stat", "inactive_file", "anon")]
    public void Captured_files(string scenario, string file, string inactiveKey, string anonKey)
    {
        Assert.True(CgroupMemoryStatParser.TryParse(Fixtures.Bytes(scenario, file), out var s));
        var map = File.ReadAllLines(Path.Combine(Fixtures.Dir(scenario), file))
            .Select(l => l.Split(' ')).ToDictionary(p => p[0], p => long.Parse(p[1]));
        Assert.Equal(map[inactiveKey], s.InactiveFileBytes);
        Assert.Equal(map[anonKey], s.AnonBytes);
    }

    [Fact]
    public void V1_limited_cgroup_hierarchical_limit()
    {
        Assert.True(CgroupMemoryStatParser.TryParse(
            Fixtures.Bytes("kernel-6.18-hybrid", "sys/fs/cgroup/memory/linuxhelper-fixture/memory.stat"), out var s));
        Assert.Equal(268435456, s.HierarchicalLimitBytes);
        Assert.Equal(CgroupMemory.Unlimited, s.HierarchicalMemswLimitBytes);
    }

    [Theory]
    [InlineData("")]
    [InlineData("anon x\n")]
    [InlineData("anon\n")]
    public void Rejects(string text) => Assert.False(CgroupMemoryStatParser.TryParse(System.Text.Encoding.ASCII.GetBytes(text), out _));
}
