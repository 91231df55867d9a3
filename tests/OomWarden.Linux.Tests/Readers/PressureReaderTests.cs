using OomWarden.Linux.Parsing;
using OomWarden.Linux.Readers;

namespace OomWarden.Linux.Tests.Readers;

public class PressureReaderTests
{
    [Theory]
    [InlineData("kernel-6.18-hybrid")]
    [InlineData("kernel-6.1-v2")]
    public void System_pressure_from_fixture(string scenario)
    {
        using var reader = PressureReader.ForSystem(Fixtures.Paths(scenario));
        Assert.True(reader.IsSupported);
        Assert.True(reader.TryRead(out var stats));
        Assert.True(PressureParser.TryParse(Fixtures.Bytes(scenario, "proc/pressure/memory"), out var expected));
        Assert.Equal(expected, stats);
    }

    [Fact]
    public void Cgroup_pressure()
    {
        using var reader = PressureReader.ForCgroup(Path.Combine(Fixtures.Dir("kernel-6.1-v2"), "sys/fs/cgroup/work.slice"));
        Assert.True(reader.TryRead(out var stats));
        Assert.True(stats.HasFull);
    }

    [Fact]
    public void Absent_file_is_unsupported_not_an_exception()
    {
        using var reader = PressureReader.ForSystem(Fixtures.Paths("kernel-4.9-v1"));
        Assert.False(reader.IsSupported);
        Assert.Contains("pressure/memory", reader.UnsupportedReason);
        Assert.False(reader.TryRead(out _));
    }

    [Fact]
    public void Updated_file_is_seen()
    {
        using var tree = new TempTree("kernel-6.1-v2");
        using var reader = PressureReader.ForSystem(tree.Paths);
        File.WriteAllText(tree.PathOf("proc/pressure/memory"), "some avg10=12.50 avg60=1.00 avg300=0.10 total=99\n");
        Assert.True(reader.TryRead(out var stats));
        Assert.Equal(12.5, stats.Some.Avg10);
        Assert.False(stats.HasFull);
    }

    [Fact]
    public void Allocates_nothing_after_warm_up()
    {
        using var reader = PressureReader.ForSystem(Fixtures.Paths("kernel-6.1-v2"));
        Assert.Equal(0, Allocation.Measure(10_000, () => Assert.True(reader.TryRead(out _))));
    }

    [Fact]
    public void Real_host()
    {
        using var reader = PressureReader.ForSystem(HostPaths.Default);
        if (!reader.IsSupported) Assert.Skip("PSI unavailable here: " + reader.UnsupportedReason);
        Assert.True(reader.TryRead(out var stats));
        Assert.InRange(stats.Some.Avg10, 0, 100);
        Assert.Equal(0, Allocation.Measure(10_000, () => reader.TryRead(out _)));
    }
}
