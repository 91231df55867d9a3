using OomWarden.Linux.Parsing;
using OomWarden.Linux.Readers;

namespace OomWarden.Linux.Tests.Readers;

public class MeminfoReaderTests
{
    [Theory]
    [InlineData("kernel-6.18-hybrid")]
    [InlineData("kernel-6.1-v2")]
    [InlineData("kernel-3.2-no-memavailable")]
    public void Reads_fixture_like_the_parser(string scenario)
    {
        using var reader = new MeminfoReader(Fixtures.Paths(scenario));
        Assert.True(reader.TryRead(out var info));
        Assert.True(MeminfoParser.TryParse(Fixtures.Bytes(scenario, "proc/meminfo"), out var expected));
        Assert.Equal(expected, info);
        Assert.Null(reader.LastError);
    }

    [Fact]
    public void Rereads_the_same_handle_after_the_file_changes()
    {
        using var tree = new TempTree("kernel-4.9-v1");
        using var reader = new MeminfoReader(tree.Paths);
        Assert.True(reader.TryRead(out var first));
        File.WriteAllText(tree.PathOf("proc/meminfo"), "MemTotal: 10 kB\nMemFree: 5 kB\nMemAvailable: 7 kB\n"); // same inode
        Assert.True(reader.TryRead(out var second));
        Assert.NotEqual(first, second);
        Assert.Equal(7 * 1024, second.MemAvailableBytes);
    }

    [Fact]
    public void A_failing_read_says_why_on_every_tick_without_allocating()
    {
        using var tree = new TempTree("kernel-4.9-v1");
        using var reader = new MeminfoReader(tree.Paths);
        File.WriteAllText(tree.PathOf("proc/meminfo"), "garbage\n");
        Assert.False(reader.TryRead(out _));
        Assert.Equal(tree.Paths.MeminfoPath + ": no MemTotal/MemFree line", reader.LastError);
        // The daemon reads it on every tick: a lasting failure must not allocate a new message each time.
        long bytes = Allocation.Measure(1_000, () => Assert.False(reader.TryRead(out _)));
        Assert.Equal(0, bytes);
        File.WriteAllText(tree.PathOf("proc/meminfo"), "MemTotal: 10 kB\nMemFree: 5 kB\nMemAvailable: 7 kB\n");
        Assert.True(reader.TryRead(out _));
        Assert.Null(reader.LastError);
    }

    [Fact]
    public void Missing_file_fails_fast_with_the_path()
    {
        var e = Assert.Throws<IOException>(() => new MeminfoReader(Fixtures.Paths("no-such-case")));
        Assert.Contains("meminfo", e.Message);
        Assert.Contains("errno 2", e.Message);
    }

    [Fact]
    public void Allocates_nothing_after_warm_up()
    {
        using var reader = new MeminfoReader(Fixtures.Paths("kernel-6.18-hybrid"));
        long sum = 0;
        long bytes = Allocation.Measure(10_000, () =>
        {
            Assert.True(reader.TryRead(out var info));
            sum += info.MemAvailableBytes;
        });
        Assert.Equal(0, bytes);
        Assert.True(sum > 0);
    }

    [Fact]
    public void Real_host_allocates_nothing()
    {
        if (!File.Exists("/proc/meminfo")) Assert.Skip("no /proc/meminfo on this machine");
        using var reader = new MeminfoReader(HostPaths.Default);
        Assert.True(reader.TryRead(out var info));
        Assert.True(info.MemTotalBytes > 0 && info.MemAvailableBytes <= info.MemTotalBytes);
        Assert.Equal(0, Allocation.Measure(10_000, () => reader.TryRead(out _)));
    }
}
