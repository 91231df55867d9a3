using OomWarden.Configuration;
using OomWarden.Core.Settings;
using OomWarden.Daemon;

namespace OomWarden.Tests.Configuration;

/// <summary>[control] and [metrics]: binding, every bad value with its position, and what a reload may change.</summary>
public class OperatingConfigTests
{
    private static ConfigHost Host => new()
    {
        LookupUser = static (string name, out int uid, out string? error) => { uid = -1; error = null; return false; },
        LookupGroup = static (string name, out int gid, out string? error) => { error = null; gid = name == "adm" ? 4 : -1; return name == "adm"; },
    };

    private static ConfigLoadResult Load(string text) => ConfigLoader.LoadText(text, "t.toml", Host);

    [Fact]
    public void Defaults_socket_on_metrics_off()
    {
        var s = DaemonSettings.Default;
        Assert.Equal("/run/oomwarden/control", s.Control.Socket);
        Assert.Null(s.Control.Group);
        Assert.Null(s.Metrics.Textfile);
        Assert.Null(s.Metrics.Listen);
        Assert.Equal(TimeSpan.FromSeconds(15), s.Metrics.Interval);
    }

    [Fact]
    public void Every_key_binds()
    {
        var r = Load("""
            [control]
            socket = "/run/x/ctl"
            group = "adm"
            [metrics]
            textfile = "/var/lib/prometheus/node-exporter/oomwarden.prom"
            interval = "30s"
            listen = "[::1]:9874"
            """);
        Assert.True(r.Success, string.Join("\n", r.Errors));
        var s = r.Config.Settings;
        Assert.Equal("/run/x/ctl", s.Control.Socket);
        Assert.Equal("adm", s.Control.Group);
        Assert.Equal(4, s.Control.GroupId);
        Assert.Equal("/var/lib/prometheus/node-exporter/oomwarden.prom", s.Metrics.Textfile);
        Assert.Equal(TimeSpan.FromSeconds(30), s.Metrics.Interval);
        Assert.Equal("[::1]:9874", s.Metrics.Listen);
    }

    [Theory]
    [InlineData("[control]\nsocket = \"relative\"", "2:1", "absolute path")]
    [InlineData("[control]\ngroup = \"nosuchgroup\"", "2:1", "unknown group \"nosuchgroup\"")]
    [InlineData("[control]\nsocke = \"/x\"", "2:1", "socke")]
    [InlineData("[metrics]\nlisten = \"0.0.0.0:9874\"", "2:1", "not a loopback address")]
    [InlineData("[metrics]\nlisten = \"example.com:9874\"", "2:1", "not an IP address")]
    [InlineData("[metrics]\nlisten = \"127.0.0.1:99999\"", "2:1", "1 to 65535")]
    [InlineData("[metrics]\ninterval = \"10ms\"", "2:1", "at least 1s")]
    [InlineData("[metrics]\ntextfile = \"rel.prom\"", "2:1", "absolute path")]
    public void Bad_values_are_errors_with_their_position(string text, string position, string message)
    {
        var r = Load(text);
        Assert.False(r.Success);
        Assert.Contains(r.Errors, e => e.ToString().Contains("t.toml:" + position + ":", StringComparison.Ordinal) && e.Message.Contains(message, StringComparison.Ordinal));
    }

    [Fact]
    public void A_remote_listen_address_needs_allow_remote()
    {
        var r = Load("[metrics]\nlisten = \"0.0.0.0:9874\"\nallow_remote = true");
        Assert.True(r.Success, string.Join("\n", r.Errors));
    }

    [Fact]
    public void A_reload_names_and_keeps_the_settings_only_a_restart_changes()
    {
        var running = DaemonSettings.Default with { Metrics = new MetricsSettings { Textfile = "/a.prom", Listen = "127.0.0.1:1" } };
        var next = running with
        {
            Action = running.Action with { EventsPath = "/elsewhere.jsonl", TermGrace = TimeSpan.FromSeconds(9) },
            Control = running.Control with { Socket = "/other" },
            Metrics = running.Metrics with { Listen = "127.0.0.1:2", Textfile = "/b.prom" },
        };
        var changed = RestartOnly.Changed(running, next);
        Assert.Equal(3, changed.Count);
        Assert.Contains(changed, c => c.StartsWith("[action] events", StringComparison.Ordinal));
        Assert.Contains(changed, c => c.StartsWith("[control] socket", StringComparison.Ordinal));
        Assert.Contains(changed, c => c.StartsWith("[metrics] listen", StringComparison.Ordinal));
        var kept = RestartOnly.KeepRunning(running, next);
        Assert.Equal(running.Action.EventsPath, kept.Action.EventsPath);
        Assert.Equal(TimeSpan.FromSeconds(9), kept.Action.TermGrace);
        Assert.Equal("/run/oomwarden/control", kept.Control.Socket);
        Assert.Equal("127.0.0.1:1", kept.Metrics.Listen);
        Assert.Equal("/b.prom", kept.Metrics.Textfile);
    }
}
