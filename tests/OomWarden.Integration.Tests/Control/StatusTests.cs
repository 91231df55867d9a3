using System.Text.Json;
using OomWarden.Integration.Tests.Infrastructure;

namespace OomWarden.Integration.Tests.Control;

/// <summary><c>oomwarden status</c> against the real daemon (dry run, confined to the test's own v1 cgroup): a hog
/// past the cgroup's term level shows as the domain's level, the dry-run kill as a recent kill and a counter, and
/// the text and JSON forms carry the same facts. No daemon: exit 69.</summary>
public sealed class StatusTests
{
    [Fact]
    public void An_idle_cgroup_smaller_than_the_prepare_band_leaves_polling_to_the_kernel_wake_up()
    {
        // 64 MiB is inside the 1 GiB prepare band from the start. Below its v1 usage threshold (armed at half the
        // limit) the kernel wakes the daemon: the cgroup must not make it poll at the worst fill rate (~13 ms).
        using var cg = V1MemoryCgroup.Create("oomwarden-poll", 64L << 20);
        using var f = new ControlFixture();
        f.WriteConfig(cg.Path);
        using var daemon = DaemonProcess.Start("run", "--dry-run", "--config", f.ConfigPath);
        JsonElement s = default;
        bool slow = ControlFixture.WaitUntil(() =>
        {
            s = f.StatusJson(daemon);
            return s.GetProperty("poll").GetProperty("interval_ms").GetDouble() >= 1000;
        }, TimeSpan.FromSeconds(20));
        Assert.True(slow, "the daemon still polls fast for an idle 64 MiB cgroup:\n" + s + "\n" + daemon.Log);
        Assert.Equal("ok", ControlFixture.Domain(s, cg.Path).GetProperty("level").GetString());
    }

    [Fact]
    public void Status_text_and_json_show_levels_thresholds_the_victim_recent_kills_and_counters()
    {
        using var cg = V1MemoryCgroup.Create("oomwarden-status", 64L << 20);
        using var f = new ControlFixture();
        f.WriteConfig(cg.Path);
        using var daemon = DaemonProcess.Start("run", "--dry-run", "--config", f.ConfigPath);

        var idle = f.StatusJson(daemon);
        Assert.True(idle.GetProperty("ok").GetBoolean());
        Assert.True(idle.GetProperty("dry_run").GetBoolean());
        Assert.Equal(f.ConfigPath, idle.GetProperty("config").GetProperty("path").GetString());
        Assert.Equal(64, idle.GetProperty("config").GetProperty("sha256").GetString()!.Length);
        var d0 = ControlFixture.Domain(idle, cg.Path);
        Assert.True(d0.GetProperty("level").GetString() is "ok" or "prepare", idle.ToString()); // prepare: 64 MiB is inside the 1 GiB prepare band (ok once its kernel wake-up is armed)
        Assert.Equal(64L << 20, d0.GetProperty("total_bytes").GetInt64());
        Assert.Equal(16L << 20, d0.GetProperty("term_bytes").GetInt64());
        Assert.True(idle.GetProperty("self").GetProperty("rss_bytes").GetInt64() > 1 << 20);

        // 56 MiB in 64 MiB leaves 8 MiB, below the 16 MiB term level.
        var hog = cg.Start(TestHelpers.Hog, "-s", "56", "-r", "0", "-L", "60");
        Assert.StartsWith("READY", hog.StandardOutput.ReadLine());
        Assert.True(ControlFixture.WaitUntil(() => daemon.Log.Contains("dry-run: would send SIGTERM to pid " + hog.Id, StringComparison.Ordinal), TimeSpan.FromSeconds(30)),
            "no dry-run decision:\n" + daemon.Log);

        var s = f.StatusJson(daemon);
        var d = ControlFixture.Domain(s, cg.Path);
        Assert.True(d.GetProperty("level").GetString() is "term" or "kill", s.ToString());
        Assert.True(d.GetProperty("available_bytes").GetInt64() < 16L << 20, s.ToString());
        // The victim: the prepared decision, or (once acted on) the kill in flight, a dry run's pretend kill.
        var victim = d.GetProperty("next_victim") is { ValueKind: JsonValueKind.Object } next ? next
            : s.GetProperty("kills_in_flight").EnumerateArray().Single(k => k.GetProperty("domain").GetString() == cg.Path);
        Assert.Equal(hog.Id, victim.GetProperty("pid").GetInt32());
        Assert.Equal("hog", victim.GetProperty("comm").GetString());
        Assert.False(string.IsNullOrEmpty(victim.TryGetProperty("why", out var why) ? why.GetString() : victim.GetProperty("reason").GetString()));
        var recent = s.GetProperty("recent_kills").EnumerateArray().ToList();
        Assert.Contains(recent, k => k.GetProperty("pid").GetInt32() == hog.Id && k.GetProperty("result").GetString() == "dry_run");
        Assert.Contains(s.GetProperty("counters").EnumerateArray(), c => c.GetProperty("name").GetString() == "oomwarden_dry_run_kills_total"
            && c.GetProperty("labels").GetProperty("domain").GetString() == cg.Path && c.GetProperty("value").GetInt64() >= 1);
        Assert.True(s.GetProperty("poll").GetProperty("interval_ms").GetDouble() > 0);
        // The level machine's smoothed slope: a rate, and a time to the term level (null while not filling).
        Assert.True(d.TryGetProperty("fill_rate_bytes_per_second", out _), d.ToString());
        Assert.True(d.TryGetProperty("exhaustion_in_seconds", out _), d.ToString());

        var text = f.Client("status", "--socket", f.Socket);
        Assert.True(text.ExitCode == 0, text.Stderr);
        Assert.Contains("DRY RUN", text.Stdout);
        Assert.Contains($"{cg.Path}  [", text.Stdout);
        Assert.Contains($"victim: pid {hog.Id} (hog", text.Stdout);
        Assert.Contains("recent kills (newest last):", text.Stdout);
        Assert.Contains("      filling at ", text.Stdout);
        Assert.Contains($"oomwarden_dry_run_kills_total{{domain={cg.Path}", text.Stdout);
        Assert.Contains("daemon   RSS ", text.Stdout);
        Assert.Contains("config   " + f.ConfigPath + " (sha256 ", text.Stdout);
        Assert.Equal(0, daemon.Stop(TimeSpan.FromSeconds(10)));
        Assert.False(hog.HasExited, "a dry run must not kill the hog");
        hog.Kill();
    }

    [Fact]
    public void Status_without_a_daemon_says_so_and_exits_69()
    {
        using var f = new ControlFixture();
        var r = f.Client("status", "--socket", f.Socket);
        Assert.Equal(69, r.ExitCode);
        Assert.Contains("no daemon is running", r.Stderr);
        File.WriteAllText(f.Socket + ".x", "");
        var stale = f.Client("reload", "--socket", f.Socket + ".x");
        Assert.Equal(69, stale.ExitCode);
        Assert.Contains($"{f.Socket}.x is a regular file, not a socket: no daemon listens there", stale.Stderr);
        var dir = f.Client("status", "--socket", Path.GetDirectoryName(f.Socket)!);
        Assert.Equal(69, dir.ExitCode);
        Assert.Contains("is a directory, not a socket", dir.Stderr);
    }
}
