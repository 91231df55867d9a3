using OomWarden.Commands;
using OomWarden.Configuration;
using OomWarden.Core.Settings;

namespace OomWarden.Tests.Configuration;

/// <summary>The rule key reclaim and [levels] reclaim_step, reclaim_interval, reclaim_psi_some_avg10, validated at
/// load and shown by check-config.</summary>
public class ReclaimConfigTests
{
    private static LoadedConfig Ok(string text)
    {
        var result = ConfigLoader.LoadText(text, "test.toml");
        Assert.True(result.Success, string.Join("\n", result.Errors));
        return result.Config;
    }

    private static string Fail(string text)
    {
        var result = ConfigLoader.LoadText(text, "test.toml");
        Assert.False(result.Success);
        return string.Join("\n", result.Errors);
    }

    [Fact]
    public void Off_by_default()
    {
        var c = Ok("");
        Assert.False(c.Policy.AnyReclaim);
        Assert.False(c.Policy.ReclaimFor("/anything"));
        Assert.Equal(new ReclaimSettings(), c.Settings.Levels.Reclaim);
        Assert.Equal(Threshold.FromPercent(1), c.Settings.Levels.Reclaim.Step);
        Assert.Equal(TimeSpan.FromSeconds(5), c.Settings.Levels.Reclaim.Interval);
        Assert.Equal(1.0, c.Settings.Levels.Reclaim.StopPsiSomeAvg10);
        // The presets never turn it on.
        foreach (var preset in new[] { "desktop", "server", "kubernetes" })
            Assert.False(Ok($"preset = \"{preset}\"").Policy.AnyReclaim, preset);
    }

    [Fact]
    public void A_cgroup_rule_turns_it_on_for_what_it_matches()
    {
        var c = Ok("""
            [levels]
            reclaim_step = "16MiB"
            reclaim_interval = "2s"
            reclaim_psi_some_avg10 = 5
            [[rule]]
            name = "caches"
            cgroup = "/cache/*"
            priority = -10
            reclaim = true
            [[rule]]
            unit = "keep.service"
            reclaim = false
            """);
        Assert.True(c.Policy.AnyReclaim);
        Assert.True(c.Policy.ReclaimFor("/cache/a"));
        Assert.False(c.Policy.ReclaimFor("/cache"));
        Assert.False(c.Policy.ReclaimFor("/system.slice/keep.service"));
        Assert.Equal(Threshold.FromBytes(16L << 20), c.Settings.Levels.Reclaim.Step);
        Assert.Equal(TimeSpan.FromSeconds(2), c.Settings.Levels.Reclaim.Interval);
        Assert.Equal(5.0, c.Settings.Levels.Reclaim.StopPsiSomeAvg10);
        Assert.Equal("priority=-10 reclaim=true", ConfigPrinter.FormatEffect(c.Policy.Rules[0].Effect));
        var printed = new StringWriter();
        ConfigPrinter.PrintSettings(c.Settings, printed);
        Assert.Contains("reclaim_step = \"16MiB\"\nreclaim_interval = \"2s\"\nreclaim_psi_some_avg10 = 5.0\n", printed.ToString().ReplaceLineEndings("\n"));
    }

    [Fact]
    public void A_process_rule_cannot_carry_reclaim()
    {
        string errors = Fail("""
            [[rule]]
            comm = "java"
            reclaim = true
            """);
        Assert.Contains("test.toml:3:1", errors);
        Assert.Contains("'reclaim' applies to cgroups", errors);
    }

    [Theory]
    [InlineData("[[rule]]\ncgroup = \"/a\"\nreclaim = \"yes\"", "test.toml:3:")]
    [InlineData("[levels]\nreclaim_step = \"0%\"", "'reclaim_step'")]
    [InlineData("[levels]\nreclaim_step = \"150%\"", "test.toml:2:1")]
    [InlineData("[levels]\nreclaim_interval = \"0s\"", "greater than zero")]
    [InlineData("[levels]\nreclaim_psi_some_avg10 = 101", "out of range")]
    [InlineData("[levels]\nreclaim_psi = 1.0", "reclaim_psi_some_avg10")]
    public void Bad_values_are_rejected_with_their_position(string text, string expected)
    {
        Assert.Contains(expected, Fail(text + "\n"));
    }
}
