using System.Diagnostics;
using OomWarden.Integration.Tests.Infrastructure;

namespace OomWarden.Integration.Tests.Daemon;

/// <summary>The real daemon against this host's real cgroup v1 memory controller: a 512 MiB cgroup with a
/// growing hog and a small bystander. The daemon is confined to the test's cgroup by its config (the system
/// domain is off, only this cgroup is included), so it cannot touch anything the test did not start.</summary>
public sealed class CgroupV1KillTests
{
    private const long Limit = 512L << 20;

    [Theory]
    [InlineData(0)]   // as fast as the hog can fault pages in
    [InlineData(50)]  // 50 MiB/s
    public void Kills_the_hog_never_the_bystander_before_the_kernel_does(int rateMiBPerSecond)
    {
        V1MemoryCgroup.Require();
        Repo.RequireBinary();
        using var cg = V1MemoryCgroup.Create("oomwarden-it", Limit);
        string dir = TestHelpers.NewTempDirectory("oomwarden-it");
        try
        {
            string events = Path.Combine(dir, "events.jsonl");
            string config = new ConfinedConfig(dir, cg.Path).Write();

            var bystander = cg.Start(TestHelpers.Hog, "-s", "16", "-L", "600");
            Assert.StartsWith("READY", bystander.StandardOutput.ReadLine());
            using var daemon = DaemonProcess.Start("run", "--config", config);

            var hog = cg.Start(TestHelpers.Hog, "-s", "2048", "-r", rateMiBPerSecond.ToString(System.Globalization.CultureInfo.InvariantCulture), "-L", "120");
            string? ready = hog.StandardOutput.ReadLine();
            Assert.StartsWith("READY", ready);
            bool exited = hog.WaitForExit(TimeSpan.FromSeconds(rateMiBPerSecond == 0 ? 30 : 60));
            daemon.Stop(TimeSpan.FromSeconds(5));

            Assert.True(exited, "the hog is still running:\n" + daemon.Log);
            Assert.True(hog.ExitCode != 0, $"the hog finished on its own (exit {hog.ExitCode}):\n{daemon.Log}");
            Assert.False(bystander.HasExited, "the bystander died:\n" + daemon.Log);
            Assert.Equal(0, cg.KernelOomKills());
            Assert.Contains("1 limited cgroup(s), 1 with kernel wake-ups, 1 with pressure levels", daemon.Log);

            var kills = EventLog.Kills(events);
            var kill = Assert.Single(kills);
            Assert.Equal(hog.Id, kill.GetProperty("pid").GetInt32());
            Assert.Equal("hog", kill.GetProperty("comm").GetString());
            Assert.Equal(cg.Path, kill.GetProperty("domain").GetString());
            Assert.Equal(cg.Path, kill.GetProperty("cgroup").GetString());
            Assert.Contains(kill.GetProperty("signal").GetString(), new[] { "SIGTERM", "SIGKILL" });
            Assert.Contains("headroom", kill.GetProperty("reason").GetString());
            Assert.True(kill.GetProperty("freed_bytes").GetInt64() > 100L << 20, kill.ToString());
            Assert.True(kill.TryGetProperty("exit_ms", out _), kill.ToString());
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>A cgroup created after the daemon started is watched at once (inotify on the cgroup tree, then a
    /// second look 1 s later for the limit written after mkdir), not at the next 30 s safety-net rescan.</summary>
    [Fact]
    public void A_cgroup_created_after_start_is_watched_without_waiting_for_the_rescan_interval()
    {
        V1MemoryCgroup.Require();
        Repo.RequireBinary();
        string dir = TestHelpers.NewTempDirectory("oomwarden-it");
        try
        {
            string events = Path.Combine(dir, "events.jsonl");
            string config = new ConfinedConfig(dir, "/oomwarden-late-*") { Tables = "[monitor]\nrescan_interval = \"10m\"" }.Write();
            using var daemon = DaemonProcess.Start("run", "--config", config);
            Assert.Contains("0 limited cgroup(s)", daemon.Log);
            using var cg = V1MemoryCgroup.Create("oomwarden-late", Limit);
            // inotify wakes the daemon at the mkdir, and its second look 1 s later finds the limit: status then lists
            // the cgroup (well inside the 10 min rescan interval; seconds on a loaded host).
            var watch = System.Diagnostics.Stopwatch.StartNew();
            while (!Watches(dir, cg.Path) && watch.Elapsed < TimeSpan.FromSeconds(30)) Thread.Sleep(100);
            Assert.True(Watches(dir, cg.Path), $"{cg.Path} not watched after {watch.Elapsed.TotalSeconds:F0} s:\n" + daemon.Log);
            var hog = cg.Start(TestHelpers.Hog, "-s", "2048", "-r", "100", "-L", "60");
            Assert.StartsWith("READY", hog.StandardOutput.ReadLine());
            bool exited = hog.WaitForExit(TimeSpan.FromSeconds(40));
            daemon.Stop(TimeSpan.FromSeconds(5));

            Assert.True(exited, "the hog is still running:\n" + daemon.Log);
            Assert.Equal(0, cg.KernelOomKills());
            var kill = Assert.Single(EventLog.Kills(events));
            Assert.Equal(hog.Id, kill.GetProperty("pid").GetInt32());
            Assert.Equal(cg.Path, kill.GetProperty("domain").GetString());
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>When the kernel kills (here: the daemon runs dry, so the hog reaches its 128 MiB limit), the
    /// daemon reports it from /dev/kmsg: a stderr line and a kernel_kill journal event.</summary>
    [Fact]
    public void Kills_made_by_the_kernel_are_reported_from_kmsg()
    {
        V1MemoryCgroup.Require();
        Repo.RequireBinary();
        if (!File.Exists("/dev/kmsg")) Assert.Skip("no /dev/kmsg");
        using var cg = V1MemoryCgroup.Create("oomwarden-kk", 128L << 20);
        string dir = TestHelpers.NewTempDirectory("oomwarden-it");
        try
        {
            string events = Path.Combine(dir, "events.jsonl");
            string config = new ConfinedConfig(dir, cg.Path) { Action = "dry_run = true" }.Write();
            using var daemon = DaemonProcess.Start("run", "--config", config);
            var hog = cg.Start(TestHelpers.Hog, "-s", "512", "-L", "60");
            Assert.StartsWith("READY", hog.StandardOutput.ReadLine());
            Assert.True(hog.WaitForExit(TimeSpan.FromSeconds(60)), "the hog was not killed:\n" + daemon.Log);
            Assert.Equal(137, hog.ExitCode);
            var deadline = System.Diagnostics.Stopwatch.StartNew();
            System.Text.Json.JsonElement? kernelKill = null;
            while (kernelKill is null && deadline.Elapsed < TimeSpan.FromSeconds(60))
            {
                Thread.Sleep(200);
                kernelKill = EventLog.Read(events).Cast<System.Text.Json.JsonElement?>()
                    .FirstOrDefault(e => e!.Value.GetProperty("event").GetString() == "kernel_kill"
                        && e.Value.TryGetProperty("pid", out var pid) && pid.GetInt32() == hog.Id);
            }
            daemon.Stop(TimeSpan.FromSeconds(5));

            Assert.True(kernelKill is not null, "no kernel_kill event for the hog:\n" + daemon.Log);
            Assert.Equal(cg.Path, kernelKill!.Value.GetProperty("domain").GetString());
            Assert.Equal("hog", kernelKill.Value.GetProperty("comm").GetString());
            Assert.Contains($"the kernel killed pid {hog.Id} (hog", daemon.Log);
            Assert.Contains("kill(s) by the kernel, ", daemon.Log); // the stop line goes on with rescans and failure counts
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>True when the daemon's status (its control socket in <paramref name="dir"/>) lists the cgroup domain.</summary>
    private static bool Watches(string dir, string cgroupPath)
    {
        var r = Sh.Run(Repo.Binary, ["status", "--json", "--socket", ConfinedConfig.ControlSocketIn(dir)], TimeSpan.FromSeconds(30));
        if (r.ExitCode != 0) return false;
        using var doc = System.Text.Json.JsonDocument.Parse(r.Stdout);
        return doc.RootElement.GetProperty("domains").EnumerateArray().Any(d => d.GetProperty("name").GetString() == cgroupPath);
    }
}
