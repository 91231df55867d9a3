using OomWarden.Configuration;

namespace OomWarden.Tests.Configuration;

/// <summary>[cgroups] oom_delay, oom_delay_high_margin, oom_delay_state and the rule key oom_delay, validated at load.</summary>
public class OomDelayConfigTests
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
    public void Off_by_default_and_bound_when_written()
    {
        Assert.Equal(TimeSpan.Zero, Ok("").Settings.Cgroups.OomDelay);
        var c = Ok("""
            [cgroups]
            oom_delay = "5s"
            oom_delay_high_margin = "32MiB"
            oom_delay_state = "/run/x/state"
            [[rule]]
            cgroup = "/batch/*"
            oom_delay = "2s"
            """);
        Assert.Equal(TimeSpan.FromSeconds(5), c.Settings.Cgroups.OomDelay);
        Assert.Equal(32L << 20, c.Settings.Cgroups.OomDelayHighMargin.Bytes);
        Assert.Equal("/run/x/state", c.Settings.Cgroups.OomDelayState);
        Assert.Equal(TimeSpan.FromSeconds(2), c.Policy.OomDelayFor("/batch/j", c.Settings.Cgroups.OomDelay));
    }

    [Theory]
    [InlineData("oom_delay = \"-1s\"", "test.toml:2:1")]
    [InlineData("oom_delay = \"50ms\"", "between 100ms and 1m")]
    [InlineData("oom_delay = \"2m\"", "between 100ms and 1m")]
    [InlineData("oom_delay = 5", "duration string")]
    [InlineData("oom_delay_high_margin = \"0B\"", "must be above 0")]
    [InlineData("oom_delay_high_margin = \"60%\"", "below 50%")]
    [InlineData("oom_delay_state = \"run/state\"", "absolute file path")]
    public void Bad_values_are_rejected_with_their_position(string line, string expected)
    {
        Assert.Contains(expected, Fail("[cgroups]\n" + line + "\n"));
    }

    [Fact]
    public void A_process_rule_cannot_carry_oom_delay()
    {
        string errors = Fail("""
            [[rule]]
            comm = "java"
            oom_delay = "2s"
            """);
        Assert.Contains("test.toml:3:1", errors);
        Assert.Contains("'oom_delay' applies to cgroups", errors);
    }

    [Fact]
    public void A_rule_with_only_oom_delay_is_a_rule()
    {
        var c = Ok("""
            [[rule]]
            unit = "batch-*.service"
            oom_delay = "0s"
            """);
        Assert.Single(c.Policy.Rules);
    }
}
