using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using OomWarden.Integration.Tests.Infrastructure;

namespace OomWarden.Integration.Tests.Daemon;

/// <summary>The engine on this host's real cgroup v1 memory controller: two cgroups short at the same time while one
/// victim ignores SIGTERM, and a daemon SIGKILLed during a victim's grace. The daemon is confined to the test's
/// cgroups by its config (system domain off, only these cgroups included).</summary>
public sealed class EngineV1Tests
{
    private const long Limit = 512L << 20;

    /// <summary>A (512 MiB) holds a process that ignores SIGTERM just past its term level; 0.5 s later a hog fills B at
    /// full speed. Both are killed by oomwarden, B during A's grace, and the kernel kills nothing.</summary>
    [Fact]
    public void A_victim_in_its_grace_does_not_keep_a_second_cgroup_from_being_served()
    {
        V1MemoryCgroup.Require();
        Repo.RequireBinary();
        using var a = V1MemoryCgroup.Create("oomwarden-a", Limit);
        using var b = V1MemoryCgroup.Create("oomwarden-b", Limit);
        string dir = TestHelpers.NewTempDirectory("oomwarden-it");
        try
        {
            string events = Path.Combine(dir, "events.jsonl");
            string config = WriteConfig(dir, "5s", a, b);
            using var daemon = DaemonProcess.Start("run", "--config", config);

            var slow = Start(a, "-s", "494", "-I", "-L", "300");  // headroom ~17 MiB: past term (25.6), above kill (10.2)
            Thread.Sleep(500);
            var hog = Start(b, "-s", "2048", "-L", "300");
            bool hogGone = hog.WaitForExit(TimeSpan.FromSeconds(60));
            bool slowGone = slow.WaitForExit(TimeSpan.FromSeconds(60));
            Poll.Until(() => EventLog.Kills(events).Count >= 2, TimeSpan.FromSeconds(30));  // judged after its settle
            daemon.Stop(TimeSpan.FromSeconds(5));

            Assert.True(hogGone, "B's hog is still running:\n" + daemon.Log);
            Assert.True(slowGone, "A's process is still running:\n" + daemon.Log);
            Assert.True(b.KernelOomKills() == 0, "the kernel killed in B:\n" + daemon.Log);
            Assert.True(a.KernelOomKills() == 0, "the kernel killed in A:\n" + daemon.Log);
            Assert.Equal(137, slow.ExitCode);
            var kills = EventLog.Kills(events);
            Assert.Equal(2, kills.Count);
            // B was judged first: it was served while A's victim was still in its grace.
            Assert.Equal(hog.Id, kills[0].GetProperty("pid").GetInt32());
            Assert.Equal(b.Path, kills[0].GetProperty("domain").GetString());
            Assert.Equal(slow.Id, kills[1].GetProperty("pid").GetInt32());
            Assert.Equal(a.Path, kills[1].GetProperty("domain").GetString());
            Assert.Equal("SIGKILL", kills[1].GetProperty("signal").GetString());
            Assert.True(kills[1].GetProperty("escalated").GetBoolean(), kills[1].ToString());
            // Every kill was written ahead: a signal record with the same id precedes it.
            var signals = EventLog.Read(events).Where(e => e.GetProperty("event").GetString() == "signal").ToList();
            foreach (var k in kills)
                Assert.Contains(signals, s => s.GetProperty("signal_id").GetString() == k.GetProperty("signal_id").GetString());
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>The daemon is SIGKILLed during a victim's grace: the journal already holds the signal record, and the
    /// next instance finishes the kill (the victim is alive with the same start time and its cgroup still short).</summary>
    [Fact]
    public void A_daemon_killed_during_a_grace_leaves_the_signal_record_and_its_successor_finishes_the_kill()
    {
        V1MemoryCgroup.Require();
        Repo.RequireBinary();
        using var a = V1MemoryCgroup.Create("oomwarden-crash", Limit);
        string dir = TestHelpers.NewTempDirectory("oomwarden-it");
        try
        {
            string events = Path.Combine(dir, "events.jsonl");
            string config = WriteConfig(dir, "4s", a);
            var first = DaemonProcess.Start("run", "--config", config);
            var slow = Start(a, "-s", "494", "-I", "-L", "300");
            JsonElement? signal = null;
            var sw = Stopwatch.StartNew();
            while (signal is null && sw.Elapsed < TimeSpan.FromSeconds(60))
            {
                Thread.Sleep(50);
                signal = EventLog.Read(events).Cast<JsonElement?>()
                    .FirstOrDefault(e => e!.Value.GetProperty("event").GetString() == "signal" && e.Value.GetProperty("pid").GetInt32() == slow.Id);
            }
            first.Crash();
            string firstLog = first.Log;
            first.Dispose();
            Assert.True(signal is not null, "no signal record for the victim:\n" + firstLog);
            Assert.False(slow.HasExited, "the victim died with the first daemon:\n" + firstLog);
            Assert.DoesNotContain(EventLog.Kills(events), k => k.GetProperty("pid").GetInt32() == slow.Id);
            Assert.Equal("SIGTERM", signal!.Value.GetProperty("signal").GetString());

            using var second = DaemonProcess.Start("run", "--config", config);
            bool gone = slow.WaitForExit(TimeSpan.FromSeconds(60));
            Poll.Until(() => EventLog.Kills(events).Count >= 1, TimeSpan.FromSeconds(30));
            second.Stop(TimeSpan.FromSeconds(5));

            Assert.True(gone, "the second daemon did not finish the kill:\n" + second.Log);
            Assert.Equal(137, slow.ExitCode);
            Assert.Equal(0, a.KernelOomKills());
            var kill = Assert.Single(EventLog.Kills(events), k => k.GetProperty("pid").GetInt32() == slow.Id);
            Assert.Single(EventLog.Kills(events));
            Assert.Equal(slow.Id, kill.GetProperty("pid").GetInt32());
            Assert.Equal(signal.Value.GetProperty("signal_id").GetString(), kill.GetProperty("signal_id").GetString());
            Assert.Equal("SIGKILL", kill.GetProperty("signal").GetString());
            var start = EventLog.Read(events).Last(e => e.GetProperty("event").GetString() == "start");
            Assert.Contains($"pid {slow.Id}", start.GetProperty("message").GetString());
            Assert.Contains("finishing it", second.Log);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static string WriteConfig(string dir, string grace, params V1MemoryCgroup[] cgroups) =>
        new ConfinedConfig(dir, [.. cgroups.Select(c => c.Path)]) { Action = $"term_grace = \"{grace}\"" }.Write();

    private static Process Start(V1MemoryCgroup cg, params string[] args)
    {
        var p = cg.Start(TestHelpers.Hog, args);
        Assert.StartsWith("READY", p.StandardOutput.ReadLine());
        if (args.Contains("-I"))
        {
            // Wait until it holds its memory, so the daemon sees it just past its term level, not on the way.
            string? line;
            do line = p.StandardOutput.ReadLine();
            while (line is not null && !line.StartsWith("HOLD", StringComparison.Ordinal));
            Assert.NotNull(line);
        }
        return p;
    }
}
