using OomWarden.Configuration;

namespace OomWarden.Tests.Configuration;

public class UnitsTests
{
    [Theory]
    [InlineData("512MiB", 512L << 20)]
    [InlineData("2GiB", 2L << 30)]
    [InlineData("2G", 2L << 30)]
    [InlineData("1.5KiB", 1536)]
    [InlineData("4096B", 4096)]
    [InlineData("0", 0)]
    [InlineData("1TiB", 1L << 40)]
    public void ParsesSizes(string text, long bytes)
    {
        Assert.True(Units.TryParseSize(text, out long parsed, out var error), error);
        Assert.Equal(bytes, parsed);
    }

    [Theory]
    [InlineData("4096", "\"4096\" has no unit: did you mean \"4096MiB\" or \"4096B\"?")]
    [InlineData("10", "\"10\" has no unit: did you mean \"10MiB\" or \"10B\"?")]
    public void RejectsSizesWithoutAUnit(string text, string error)
    {
        Assert.False(Units.TryParseSize(text, out _, out var actual));
        Assert.Equal(error, actual);
    }

    [Theory]
    [InlineData("10", "\"10\" has no unit: did you mean \"10%\" or \"10MiB\"?")]
    [InlineData("0.5", "\"0.5\" has no unit: did you mean \"0.5%\" or \"0.5MiB\"?")]
    [InlineData("4096", "\"4096\" has no unit: did you mean \"4096MiB\" or \"4096B\"?")]
    public void RejectsLevelsWithoutAUnit(string text, string error)
    {
        Assert.False(Units.TryParseThreshold(text, out _, out var actual));
        Assert.Equal(error, actual);
    }

    [Theory]
    [InlineData("250us", 2_500)]
    [InlineData("10ms", 100_000)]
    [InlineData("2s", 20_000_000)]
    [InlineData("1m", 600_000_000)]
    [InlineData("1h", 36_000_000_000)]
    [InlineData("1.5s", 15_000_000)]
    [InlineData("2500ns", 25)]
    public void ParsesDurations(string text, long ticks)
    {
        Assert.True(Units.TryParseDuration(text, out var parsed, out var error), error);
        Assert.Equal(ticks, parsed.Ticks);
    }

    [Theory]
    [InlineData("2")]
    [InlineData("s")]
    [InlineData("2 weeks")]
    [InlineData("")]
    public void RejectsDurationsWithoutAUnit(string text) => Assert.False(Units.TryParseDuration(text, out _, out _));

    [Theory]
    [InlineData(512L << 20, "512MiB")]
    [InlineData(1000, "1000B")]
    [InlineData(3L << 30, "3GiB")]
    public void FormatsBytes(long bytes, string text) => Assert.Equal(text, Units.FormatBytes(bytes));

    [Fact]
    public void FormatsDurations()
    {
        Assert.Equal("250us", Units.FormatDuration(TimeSpan.FromMicroseconds(250)));
        Assert.Equal("1500ms", Units.FormatDuration(TimeSpan.FromMilliseconds(1500)));
        Assert.Equal("2s", Units.FormatDuration(TimeSpan.FromSeconds(2)));
        Assert.Equal("1m", Units.FormatDuration(TimeSpan.FromMinutes(1)));
        Assert.Equal("2500ns", Units.FormatDuration(TimeSpan.FromTicks(25)));
        Assert.Equal("0s", Units.FormatDuration(TimeSpan.Zero));
    }

    /// <summary>check-config prints settings with these: every formatted value parses back to itself.</summary>
    [Theory]
    [InlineData(1L)]
    [InlineData(25L)]
    [InlineData(2_500L)]
    [InlineData(15_000_000L)]
    [InlineData(36_000_000_001L)]
    public void FormattedDurationsParseBack(long ticks)
    {
        Assert.True(Units.TryParseDuration(Units.FormatDuration(TimeSpan.FromTicks(ticks)), out var back, out var error), error);
        Assert.Equal(ticks, back.Ticks);
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(33.333)]
    [InlineData(0.0001)]
    [InlineData(99.999999)]
    public void FormattedPercentagesParseBack(double percent)
    {
        var t = OomWarden.Core.Settings.Threshold.FromPercent(percent);
        Assert.True(Units.TryParseThreshold(Units.FormatThreshold(t), out var back, out var error), error);
        Assert.Equal(t, back);
    }
}
