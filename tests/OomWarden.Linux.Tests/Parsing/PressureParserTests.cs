using OomWarden.Core.Model;
using OomWarden.Linux.Parsing;

namespace OomWarden.Linux.Tests.Parsing;

public class PressureParserTests
{
    [Fact]
    public void Parses_some_and_full()
    {
        var text = "some avg10=1.50 avg60=0.25 avg300=0.00 total=123456\nfull avg10=99.99 avg60=10.00 avg300=0.01 total=42\n"u8;
        Assert.True(PressureParser.TryParse(text, out var stats));
        Assert.Equal(new PressureLine(1.5, 0.25, 0, 123456), stats.Some);
        Assert.Equal(new PressureLine(99.99, 10, 0.01, 42), stats.Full);
        Assert.True(stats.HasFull);
    }

    [Fact]
    public void Full_line_missing_is_reported()
    {
        Assert.True(PressureParser.TryParse("some avg10=0.00 avg60=0.00 avg300=0.00 total=7\n"u8, out var stats));
        Assert.False(stats.HasFull);
        Assert.Equal(7, stats.Some.TotalMicroseconds);
    }

    [Theory]
    [InlineData("kernel-6.18-hybrid", "proc/pressure/memory")]
    [InlineData("kernel-6.1-v2", "proc/pressure/memory")]
    [InlineData("kernel-6.1-v2", "sys/fs/cgroup/work.slice/memory.pressure")]
    public void Captured_files_parse(string scenario, string file)
    {
        Assert.True(PressureParser.TryParse(Fixtures.Bytes(scenario, file), out var stats));
        Assert.True(stats.HasFull);
    }

    [Theory]
    [InlineData("")]
    [InlineData("full avg10=0.00 avg60=0.00 avg300=0.00 total=0\n")]
    [InlineData("some avg10=x avg60=0.00 avg300=0.00 total=0\n")]
    [InlineData("some avg10=0.00 avg60=0.00 total=0\n")]
    public void Rejects_malformed(string text)
    {
        Assert.False(PressureParser.TryParse(System.Text.Encoding.ASCII.GetBytes(text), out _));
    }
}
