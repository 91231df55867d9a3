using OomWarden.Configuration;
using OomWarden.Core.Settings;

namespace OomWarden.Tests.Configuration;

/// <summary>[notify] low_memory_monitor, desktop and hooks: bound, and every bad hook rejected at its FILE:LINE:COL.</summary>
public class NotifyConfigTests
{
    private static ConfigLoadResult Load(string text) => ConfigLoader.LoadText(text, "test.toml");

    [Fact]
    public void DefaultsAreOff()
    {
        var n = DaemonSettings.Default.Notify;
        Assert.False(n.LowMemoryMonitor);
        Assert.False(n.Desktop);
        Assert.Empty(n.Hooks);
    }

    [Fact]
    public void BindsEveryKey()
    {
        var r = Load("""
            [notify]
            low_memory_monitor = true
            desktop = true
            hooks = [
              { on = ["level", "kill"], argv = ["/bin/echo", "--y"], timeout = "250ms" },
              { argv = ["/bin/true"] },
            ]
            """);
        Assert.True(r.Success, string.Join("\n", r.Errors));
        var n = r.Config.Settings.Notify;
        Assert.True(n.LowMemoryMonitor);
        Assert.True(n.Desktop);
        Assert.Equal(2, n.Hooks.Count);
        Assert.Equal(["/bin/echo", "--y"], n.Hooks[0].Argv);
        Assert.Equal(["level", "kill"], n.Hooks[0].On);
        Assert.Equal(TimeSpan.FromMilliseconds(250), n.Hooks[0].Timeout);
        Assert.Equal(TimeSpan.FromSeconds(5), n.Hooks[1].Timeout);
    }

    [Theory]
    [InlineData("""hooks = [{ argv = ["echo"] }]""", "test.toml:2:20: hook program \"echo\": must be an absolute path")]
    [InlineData("""hooks = [{ argv = ["/nonexistent/x"] }]""", "test.toml:2:20: hook program \"/nonexistent/x\": does not exist")]
    [InlineData("""hooks = [{ argv = ["/etc"] }]""", "test.toml:2:20: hook program \"/etc\": is a directory")]
    [InlineData("""hooks = [{ argv = ["/etc/passwd"] }]""", "test.toml:2:20: hook program \"/etc/passwd\": is not executable")]
    [InlineData("""hooks = [{ argv = ["/dev/null"] }]""", "test.toml:2:20: hook program \"/dev/null\": is not a regular file")]
    [InlineData("""hooks = [{ argv = "/bin/true" }]""", "test.toml:2:12: 'argv' must be an array of strings")]
    [InlineData("""hooks = [{ on = ["lvl"], argv = ["/bin/true"] }]""", "test.toml:2:12: 'on': unknown event \"lvl\"")]
    [InlineData("""hooks = [{ argv = ["/bin/true"], timeout = "forever" }]""", "test.toml:2:34: 'timeout'")]
    [InlineData("""hooks = [{ argv = ["/bin/true"], shell = true }]""", "test.toml:2:34: unknown key 'shell' in a hook")]
    [InlineData("""hooks = [{ on = ["kill"] }]""", "test.toml:2:10: a hook needs 'argv'")]
    [InlineData("""hooks = "/bin/true" """, "test.toml:2:1: 'hooks' must be an array of tables")]
    [InlineData("""desktop = "yes" """, "test.toml:2:1: 'desktop' must be true or false")]
    [InlineData("""low_memory_monitor = 1""", "test.toml:2:1: 'low_memory_monitor' must be true or false")]
    [InlineData("""lowmemory_monitor = true""", "test.toml:2:1: unknown key 'lowmemory_monitor' in [notify]; did you mean 'low_memory_monitor'?")]
    public void RejectsWithPosition(string line, string expected)
    {
        var r = Load("[notify]\n" + line + "\n");
        Assert.False(r.Success);
        Assert.Contains(r.Errors, e => e.ToString().StartsWith(expected, StringComparison.Ordinal));
    }
}
