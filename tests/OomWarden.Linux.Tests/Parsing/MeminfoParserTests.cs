using OomWarden.Core.Model;
using OomWarden.Linux.Parsing;

namespace OomWarden.Linux.Tests.Parsing;

public class MeminfoParserTests
{
    [Theory]
    // case, MemTotal kB, MemFree kB, MemAvailable kB (or estimate), estimated, SwapTotal kB
    [InlineData("kernel-3.2-no-memavailable", 2061344, 180892, 180892 + 129400 + 1303828, true, 1046524)]
    [InlineData("kernel-4.9-v1", 8167848, 351160, 5423432, false, 4194300)]
    public void Parses_kernel_variants(string scenario, long totalKib, long freeKib, long availableKib, bool estimated, long swapKib)
    {
        Assert.True(MeminfoParser.TryParse(Fixtures.Bytes(scenario, "proc/meminfo"), out var info));
        Assert.Equal(totalKib * 1024, info.MemTotalBytes);
        Assert.Equal(freeKib * 1024, info.MemFreeBytes);
        Assert.Equal(availableKib * 1024, info.MemAvailableBytes);
        Assert.Equal(estimated, info.MemAvailableIsEstimate);
        Assert.Equal(swapKib * 1024, info.SwapTotalBytes);
    }

    [Theory]
    [InlineData("kernel-6.18-hybrid")]
    [InlineData("kernel-6.1-v2")]
    public void Captured_files_match_their_own_lines(string scenario)
    {
        var bytes = Fixtures.Bytes(scenario, "proc/meminfo");
        Assert.True(MeminfoParser.TryParse(bytes, out var info));
        var lines = File.ReadAllLines(Path.Combine(Fixtures.Dir(scenario), "proc/meminfo"))
            .Select(l => l.Split(':', 2))
            .ToDictionary(p => p[0], p => long.Parse(p[1].Trim().Split(' ')[0]));
        Assert.Equal(lines["MemTotal"] * 1024, info.MemTotalBytes);
        Assert.Equal(lines["MemAvailable"] * 1024, info.MemAvailableBytes);
        Assert.Equal(lines["Cached"] * 1024, info.CachedBytes);
        Assert.Equal(lines["SwapFree"] * 1024, info.SwapFreeBytes);
        Assert.Equal(lines["Shmem"] * 1024, info.ShmemBytes);
        Assert.Equal(lines["Dirty"] * 1024, info.DirtyBytes);
        Assert.False(info.MemAvailableIsEstimate);
    }

    [Theory]
    [InlineData("")]
    [InlineData("MemFree: 10 kB\n")]
    [InlineData("MemTotal: 10 kB\n")]
    [InlineData("garbage without colon\n")]
    public void Rejects_files_without_MemTotal_and_MemFree(string text)
    {
        Assert.False(MeminfoParser.TryParse(System.Text.Encoding.ASCII.GetBytes(text), out _));
    }

    [Fact]
    public void Tolerates_missing_newline_and_unknown_lines()
    {
        var text = "Weird(x):  5\nMemTotal: 100 kB\nMemFree: 40 kB\nMemAvailable: 60 kB"u8;
        Assert.True(MeminfoParser.TryParse(text, out var info));
        Assert.Equal(new MemoryInfo(102400, 40960, 61440, 0, 0, 0, 0, 0, 0), info);
    }

    [Fact]
    public void Huge_values_saturate_instead_of_overflowing()
    {
        var text = "MemTotal: 9223372036854775807 kB\nMemFree: 1 kB\n"u8;
        Assert.True(MeminfoParser.TryParse(text, out var info));
        Assert.Equal(long.MaxValue, info.MemTotalBytes);
    }
}
