using OomWarden.Configuration;
using OomWarden.Core.Settings;

namespace OomWarden.Tests.Configuration;

/// <summary>[levels] and [notify] as the issue spells them, and what is refused at load, with its position.</summary>
public class WarningLevelsConfigTests
{
    private const string IssueExample = """
        [levels]
        low      = { available = "20%" }
        medium   = { available = "12%", psi_some_avg10 = 20.0 }
        critical = { available = "8%",  psi_full_avg10 = 10.0, exhaustion_in = "10s" }
        hold = "5s"
        release_grace = "3s"
        repeat = "10s"

        [notify]
        socket = "/run/oomwarden/events.sock"
        pressure_socket = "/run/oomwarden/pressure.sock"
        """;

    [Fact]
    public void TheIssuesExampleLoadsWithAWarningAboutCriticalBelowTheDefaultTermLevel()
    {
        var result = ConfigLoader.LoadText(IssueExample, "levels.toml");
        Assert.True(result.Success, string.Join("\n", result.Errors));
        var s = result.Config.Settings;
        Assert.Equal(new LevelSettings() with
        {
            Medium = new() { Available = Threshold.FromPercent(12), PsiSomeAvg10 = 20.0 },
            Critical = new() { Available = Threshold.FromPercent(8), PsiFullAvg10 = 10.0, ExhaustionIn = TimeSpan.FromSeconds(10) },
        }, s.Levels);
        var warning = Assert.Single(result.Warnings);
        Assert.Equal((4, 14), (warning.Line, warning.Column));
        Assert.StartsWith("critical.available (8%) is not above [system] mem_available_term (10%)", warning.Message, StringComparison.Ordinal);
        Assert.Equal(Threshold.FromPercent(12), s.Levels.Medium.Available);
        Assert.Equal(20.0, s.Levels.Medium.PsiSomeAvg10);
        Assert.Equal(TimeSpan.FromSeconds(10), s.Levels.Critical.ExhaustionIn);
        Assert.Equal("/run/oomwarden/events.sock", s.Notify.Socket);
        Assert.Equal("/run/oomwarden/pressure.sock", s.Notify.PressureSocket);
    }

    [Fact]
    public void ByDefaultLevelsNotifyButNoSocketIsOpened()
    {
        var d = DaemonSettings.Default;
        Assert.True(d.Levels.Enabled);
        Assert.Equal("", d.Notify.Socket);
        Assert.Equal("", d.Notify.PressureSocket);
        Assert.True(d.Levels.ReleaseKill);
    }

    [Fact]
    public void ReleaseKillTurnsTheEscalationAtMediumOffAndTakesOnlyABool()
    {
        var result = ConfigLoader.LoadText("[levels]\nrelease_kill = false\n", "t.toml");
        Assert.True(result.Success, string.Join("\n", result.Errors));
        Assert.False(result.Config.Settings.Levels.ReleaseKill);
        Assert.True(result.Config.Settings.Levels.Release);
        var bad = ConfigLoader.LoadText("[levels]\nrelease_kill = \"no\"\n", "t.toml");
        Assert.False(bad.Success);
        var e = Assert.Single(bad.Errors);
        Assert.Equal((2, 1), (e.Line, e.Column));
        Assert.Contains("release_kill", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ALevelWrittenReplacesItsDefaultAsAWholeAndAnEmptyOneIsOff()
    {
        var result = ConfigLoader.LoadText("[levels]\nmedium = { psi_some_avg10 = 30 }\nlow = {}\n", "t.toml");
        Assert.True(result.Success, string.Join("\n", result.Errors));
        Assert.Null(result.Config.Settings.Levels.Medium.Available);
        Assert.Equal(30.0, result.Config.Settings.Levels.Medium.PsiSomeAvg10);
        Assert.False(result.Config.Settings.Levels.Low.HasAny());
    }

    public static TheoryData<string, int, int, string> Refused => new()
    {
        { "[levels]\nlow = { available = \"10%\" }\nmedium = { available = \"12%\" }", 3, 12, "medium.available (12%) must not exceed low.available (10%): low comes first" },
        { "[levels]\nmedium = { available = \"1GiB\" }\ncritical = { available = \"2GiB\" }", 3, 14, "critical.available (2GiB) must not exceed medium.available (1GiB): medium comes first" },
        { "[levels]\nmedium = { psi_some_avg10 = 30 }\ncritical = { psi_some_avg10 = 20 }", 3, 14, "critical.psi_some_avg10 (20) must not be below medium.psi_some_avg10 (30): medium comes first" },
        { "[levels]\nlow = { exhaustion_in = \"5s\" }\ncritical = { exhaustion_in = \"10s\" }", 3, 14, "critical.exhaustion_in (10s) must not exceed low.exhaustion_in (5s): low comes first" },
        { "[levels]\nlow = { psi_some_avg10 = 120 }", 2, 9, "'psi_some_avg10' = 120 is out of range: PSI averages are 0 to 100 (percent)" },
        { "[levels]\nlow = { psi_full_avg10 = \"5%\" }", 2, 9, "'psi_full_avg10' must be a number of percent from 0 to 100 (e.g. 20.0), not a string" },
        { "[levels]\nlow = { available = \"120%\" }", 2, 9, "'available': \"120%\": a percentage must be within 0..100" },
        { "[levels]\nlow = \"20%\"", 2, 1, "'low' must be a table of conditions, e.g. low = { available = \"20%\" }, not a string" },
        { "[levels]\nlow = { avail = \"20%\" }", 2, 9, "unknown key 'avail' in [levels.low] (valid: available, psi_some_avg10, psi_full_avg10, exhaustion_in)" },
        { "[levels]\nrepeat = \"0s\"", 2, 1, "'repeat' must be greater than zero" },
        { "[notify]\nsocket = \"run/events.sock\"", 2, 1, "'socket' must be an absolute path (or \"\" for off), not \"run/events.sock\"" },
        { "[notify]\nsocket = \"/run/a.sock\"\npressure_socket = \"/run/a.sock\"", 3, 1, "'socket' and 'pressure_socket' must be different paths" },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public void RefusedWithFileLineColumn(string text, int line, int column, string message)
    {
        var result = ConfigLoader.LoadText(text, "t.toml");
        Assert.False(result.Success);
        Assert.Contains(result.Errors, e => e.Line == line && e.Column == column && e.Message == message);
        Assert.Contains(result.Errors, e => e.ToString().StartsWith($"t.toml:{line}:{column}: ", StringComparison.Ordinal));
    }

    [Fact]
    public void ALevelAtOrBelowTheTermLevelIsAWarning()
    {
        var result = ConfigLoader.LoadText("[system]\nmem_available_term = \"10%\"\n[levels]\ncritical = { available = \"8%\" }\nmedium = {available=\"9%\"}\nlow={available=\"20%\"}", "t.toml");
        Assert.True(result.Success, string.Join("\n", result.Errors));
        Assert.Contains(result.Warnings, w => w.Line == 4 && w.Message.Contains("is not above [system] mem_available_term (10%)", StringComparison.Ordinal));
    }
}
