using OomWarden.Configuration;
using OomWarden.Core.Settings;

namespace OomWarden.Tests.Configuration;

/// <summary>Sizes and levels say their unit; a kill level above the term level is caught also when one is a
/// percentage and the other a size (on the MemTotal of the machine loading the file: a warning).</summary>
public class LevelTests
{
    private const long GiB = 1L << 30;

    public static TheoryData<string, int, string> BareNumbers => new()
    {
        { "[system]\nmem_available_term = 10", 2, "'mem_available_term' = 10 has no unit: did you mean \"10%\" or \"10MiB\"?" },
        { "[system]\nmem_available_term = \"10\"", 2, "'mem_available_term': \"10\" has no unit: did you mean \"10%\" or \"10MiB\"?" },
        { "[system]\nswap_free_kill = 0.5", 2, "'swap_free_kill' = 0.5 has no unit: did you mean \"0.5%\" or \"0.5MiB\"?" },
        { "[cgroups]\nheadroom_kill = 1048576", 2, "'headroom_kill' = 1048576 has no unit: did you mean \"1048576MiB\" or \"1048576B\"?" },
        { "[monitor]\nmax_fill_rate = 4096", 2, "'max_fill_rate' = 4096 has no unit: did you mean \"4096MiB\" or \"4096B\"?" },
        { "[monitor]\nmax_fill_rate = \"4096/s\"", 2, "'max_fill_rate': \"4096\" has no unit: did you mean \"4096MiB\" or \"4096B\"?" },
        { "[system]\nmem_available_term = -5", 2, "'mem_available_term' cannot be negative" },
    };

    [Theory]
    [MemberData(nameof(BareNumbers))]
    public void ANumberWithoutAUnitIsRejectedWithAHint(string text, int line, string message)
    {
        var result = ConfigLoader.LoadText(text, "test.toml");
        Assert.False(result.Success);
        Assert.Contains(result.Errors, e => e.Line == line && e.Message == message);
    }

    [Fact]
    public void ZeroNeedsNoUnit()
    {
        var result = ConfigLoader.LoadText("[system]\nswap_free_term = 0\nswap_free_kill = \"0\"\n[cgroups]\nheadroom_kill = 0", "test.toml");
        Assert.True(result.Success, string.Join("\n", result.Errors));
        Assert.Equal(Threshold.FromBytes(0), result.Config.Settings.System.SwapFreeTerm);
        Assert.Equal(Threshold.FromBytes(0), result.Config.Settings.System.SwapFreeKill);
        Assert.Equal(Threshold.FromBytes(0), result.Config.Settings.Cgroups.HeadroomKill);
    }

    [Fact]
    public void KillAbovePercentTermOnThisMachineIsAWarningAtTheKillKey()
    {
        // 10% of 8 GiB is 819 MiB: a 1 GiB kill level would SIGKILL before anything got a SIGTERM.
        var host = TestUsers.With(memTotalBytes: 8 * GiB);
        var result = ConfigLoader.LoadText("[system]\nmem_available_term = \"10%\"\n  mem_available_kill = \"1GiB\"", "test.toml", host);
        Assert.True(result.Success, string.Join("\n", result.Errors));
        var warning = Assert.Single(result.Warnings);
        Assert.Equal("test.toml:3:3: warning: mem_available_kill (1GiB) exceeds mem_available_term (10% of MemTotal 8.0 GiB = 819.2 MiB) on this machine: "
            + "SIGKILL would come before SIGTERM", warning.ToString());
    }

    [Fact]
    public void PercentKillAboveASizeTermIsAWarningToo()
    {
        var host = TestUsers.With(memTotalBytes: 64 * GiB, swapTotalBytes: 4 * GiB);
        var result = ConfigLoader.LoadText("[system]\nmem_available_term = \"2GiB\"\nmem_available_kill = \"5%\"\nswap_free_term = \"1GiB\"\nswap_free_kill = \"50%\"", "test.toml", host);
        Assert.True(result.Success);
        Assert.Equal([3, 5], result.Warnings.Select(w => w.Line));
        Assert.Contains("5% of MemTotal 64.0 GiB = 3.2 GiB", result.Warnings[0].Message, StringComparison.Ordinal);
        Assert.Contains("50% of SwapTotal 4.0 GiB = 2.0 GiB", result.Warnings[1].Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("[cgroups]\nheadroom_term = \"10%\"\nheadroom_kill = \"64MiB\"", "below 640.0 MiB")]
    [InlineData("[cgroups]\nheadroom_term = \"64MiB\"\nheadroom_kill = \"2%\"", "above 3.1 GiB")]
    public void CgroupKillAndTermInDifferentUnitsSayWhereTheyCross(string text, string where)
    {
        var result = ConfigLoader.LoadText(text, "test.toml");
        Assert.True(result.Success, string.Join("\n", result.Errors));
        var warning = Assert.Single(result.Warnings);
        Assert.Equal(3, warning.Line);
        Assert.Contains($"for cgroups with a limit {where}: there SIGKILL would come before SIGTERM", warning.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("[system]\nmem_available_term = \"10%\"\nmem_available_kill = \"512MiB\"")] // 10% of 8 GiB is above 512 MiB: fine
    [InlineData("[system]\nmem_available_term = \"1GiB\"\nmem_available_kill = \"5%\"")] // 5% of 8 GiB = 410 MiB
    [InlineData("[system]\nswap_free_term = \"10%\"\nswap_free_kill = \"1GiB\"")] // no swap: swap levels are not compared
    [InlineData("")]
    public void ConsistentLevelsGiveNoWarning(string text)
    {
        var result = ConfigLoader.LoadText(text, "test.toml", TestUsers.With(memTotalBytes: 8 * GiB));
        Assert.True(result.Success, string.Join("\n", result.Errors));
        Assert.Empty(result.Warnings);
    }

    [Fact]
    public void WithoutMemTotalLevelsOfDifferentKindsAreNotCompared()
    {
        var result = ConfigLoader.LoadText("[system]\nmem_available_term = \"10%\"\nmem_available_kill = \"100GiB\"", "test.toml", TestUsers.With());
        Assert.True(result.Success);
        Assert.Empty(result.Warnings);
    }

    [Fact]
    public void SameKindKillAboveTermStaysAnError()
    {
        var result = ConfigLoader.LoadText("[system]\nmem_available_term = \"1GiB\"\nmem_available_kill = \"2GiB\"", "test.toml", TestUsers.With(memTotalBytes: 8 * GiB));
        Assert.False(result.Success);
        Assert.Contains(result.Errors, e => e.Line == 3 && e.Message.Contains("must not exceed", StringComparison.Ordinal));
    }
}
