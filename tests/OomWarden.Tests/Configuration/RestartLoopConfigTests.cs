using OomWarden.Commands;
using OomWarden.Configuration;

namespace OomWarden.Tests.Configuration;

public class RestartLoopConfigTests
{
    [Fact]
    public void Defaults_are_three_kills_in_ten_minutes_without_a_priority()
    {
        var r = ConfigLoader.LoadText("", "t.toml").Config!.Settings.Action.RestartLoop;
        Assert.Equal(3, r.Kills);
        Assert.Equal(TimeSpan.FromMinutes(10), r.Within);
        Assert.Null(r.Priority);
    }

    [Theory]
    [InlineData("[action]\nrestart_loop = { kills = 5, within = \"30m\" }\nrestart_loop_priority = -1000\n")]
    [InlineData("[action]\nrestart_loop_priority = -1000\n[action.restart_loop]\nkills = 5\nwithin = \"30m\"\n")]
    public void Inline_table_and_subtable_bind_alike_and_print_back(string text)
    {
        var result = ConfigLoader.LoadText(text, "t.toml");
        Assert.True(result.Success, string.Join("\n", result.Errors));
        var r = result.Config!.Settings.Action.RestartLoop;
        Assert.Equal(5, r.Kills);
        Assert.Equal(TimeSpan.FromMinutes(30), r.Within);
        Assert.Equal(-1000, r.Priority);

        var printed = new StringWriter();
        ConfigPrinter.PrintSettings(result.Config!.Settings, printed);
        Assert.Contains("restart_loop = { kills = 5, within = \"30m\" }", printed.ToString());
        Assert.Contains("restart_loop_priority = -1000", printed.ToString());
        var again = ConfigLoader.LoadText(printed.ToString(), "printed.toml");
        Assert.True(again.Success, string.Join("\n", again.Errors));
        Assert.Equal(result.Config!.Settings, again.Config!.Settings);
    }

    [Theory]
    [InlineData("[action]\nrestart_loop = { kills = 1 }\n", "'kills' must be 2 or more")]
    [InlineData("[action]\nrestart_loop = { within = \"0s\" }\n", "'within' must be greater than zero")]
    [InlineData("[action]\nrestart_loop = { kils = 3 }\n", "unknown key 'kils'")]
    [InlineData("[action]\nrestart_loop = 3\n", "'restart_loop' must be a table")]
    [InlineData("[action]\nrestart_loop_priority = \"low\"\n", "'restart_loop_priority' must be an integer")]
    public void Bad_values_are_errors_with_their_position(string text, string expected)
    {
        var result = ConfigLoader.LoadText(text, "t.toml");
        Assert.False(result.Success);
        Assert.Contains(result.Errors, e => e.ToString().StartsWith("t.toml:2:", StringComparison.Ordinal) && e.ToString().Contains(expected, StringComparison.Ordinal));
    }
}
