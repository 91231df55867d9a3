using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using OomWarden.Integration.Tests.Infrastructure;

namespace OomWarden.Integration.Tests.Daemon;

/// <summary>Kernel kills counted (issue 11) on this host's cgroup v1: a hog in a test memcg with a 128 MiB limit is
/// killed by the kernel while the daemon runs dry (confined to that cgroup by its config, so it never signals), and
/// every counter moves by exactly one; a kill while the daemon was stopped is counted at its next start; a loop that
/// restarts a hog three times is flagged on the third kill. Other sessions on this machine may provoke kernel kills
/// at the same time: the kernel log's kind counters are checked against the journal's own kernel_kill records, the
/// cgroup's counters exactly.</summary>
public sealed class KernelKillCountersV1Tests
{
    private const long Limit = 128L << 20;

    private static string Config(string dir, string cgroupPath, bool dryRun = true, string extra = "") =>
        new ConfinedConfig(dir, cgroupPath) { Action = $"dry_run = {(dryRun ? "true" : "false")}\n{extra}" }.Text();

    private static List<JsonElement> KernelKills(string events, string domain) => EventLog.Read(events)
        .Where(e => e.GetProperty("event").GetString() == "kernel_kill" && e.GetProperty("domain").GetString() == domain).ToList();

    private static JsonElement? WaitFor(string events, Func<JsonElement, bool> match, TimeSpan timeout)
    {
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < timeout)
        {
            foreach (var e in EventLog.Read(events)) if (match(e)) return e;
            Thread.Sleep(200);
        }
        return null;
    }

    private static string StopLine(string log) =>
        log.Split('\n').LastOrDefault(l => l.Contains("oomwarden: stopping (", StringComparison.Ordinal)) ?? "(no stop line)";

    private static long Counter(string stopLine, string name)
    {
        int i = stopLine.IndexOf(name + " ", StringComparison.Ordinal);
        Assert.True(i >= 0, $"'{name}' not in the stop line: {stopLine}");
        var digits = new string(stopLine.Skip(i + name.Length + 1).TakeWhile(char.IsAsciiDigit).ToArray());
        return long.Parse(digits, CultureInfo.InvariantCulture);
    }

    [Fact]
    public void A_memcg_kernel_kill_moves_each_counter_by_exactly_one_with_the_right_pid_cgroup_and_kind()
    {
        V1MemoryCgroup.Require();
        Repo.RequireBinary();
        if (!File.Exists("/dev/kmsg")) Assert.Skip("no /dev/kmsg");
        using var cg = V1MemoryCgroup.Create("oomwarden-kc", Limit);
        string dir = TestHelpers.NewTempDirectory("oomwarden-it");
        try
        {
            string events = Path.Combine(dir, "events.jsonl");
            File.WriteAllText(Path.Combine(dir, "oomwarden.toml"), Config(dir, cg.Path));
            using var daemon = DaemonProcess.Start("run", "--config", Path.Combine(dir, "oomwarden.toml"));
            var hog = cg.Start(TestHelpers.Hog, "-s", "512", "-L", "60");
            Assert.StartsWith("READY", hog.StandardOutput.ReadLine());
            Assert.True(hog.WaitForExit(TimeSpan.FromSeconds(60)), "the hog was not killed");
            Assert.Equal(137, hog.ExitCode);
            var kill = WaitFor(events, e => e.GetProperty("event").GetString() == "kernel_kill"
                && e.TryGetProperty("pid", out var p) && p.GetInt32() == hog.Id, TimeSpan.FromSeconds(60));
            daemon.Stop(TimeSpan.FromSeconds(10));
            string log = daemon.Log;

            Assert.True(kill is not null, "no kernel_kill event for the hog:\n" + log);
            var k = kill!.Value;
            Assert.Equal("memcg", k.GetProperty("kind").GetString());
            Assert.Equal(cg.Path, k.GetProperty("domain").GetString());
            Assert.Equal(cg.Path, k.GetProperty("cgroup").GetString());
            Assert.False(k.GetProperty("oom_group").GetBoolean());
            Assert.Equal("CONSTRAINT_MEMCG", k.GetProperty("reason").GetString());
            Assert.True(k.GetProperty("anon_rss_kb").GetInt64() > 64 << 10, k.ToString());
            Assert.True(k.TryGetProperty("trigger_pid", out _), k.ToString());
            Assert.False(k.TryGetProperty("restart_loop", out _), k.ToString());
            Assert.Equal(1, cg.KernelOomKills());

            string stop = StopLine(log);
            // this cgroup's own counter: exactly one
            Assert.Contains($"{cg.Path}: local 1", stop);
            // the kernel log's kind counters: one per kernel_kill record of that kind (other sessions may add theirs)
            var all = EventLog.Read(events).Where(e => e.GetProperty("event").GetString() == "kernel_kill" && !e.TryGetProperty("while_stopped", out _)).ToList();
            Assert.Single(all, e => e.GetProperty("domain").GetString() == cg.Path);
            foreach (var kind in (string[])["system", "memcg", "cpuset", "mempolicy"])
                Assert.Equal(all.Count(e => e.GetProperty("kind").GetString() == kind), Counter(stop, kind));
            Assert.Equal(0, Counter(stop, "oomwarden's kills"));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void A_kill_while_the_daemon_was_stopped_is_counted_at_its_next_start()
    {
        V1MemoryCgroup.Require();
        Repo.RequireBinary();
        using var cg = V1MemoryCgroup.Create("oomwarden-ks", Limit);
        string dir = TestHelpers.NewTempDirectory("oomwarden-it");
        try
        {
            string events = Path.Combine(dir, "events.jsonl"), config = Path.Combine(dir, "oomwarden.toml");
            File.WriteAllText(config, Config(dir, cg.Path));
            using (var first = DaemonProcess.Start("run", "--config", config)) first.Stop(TimeSpan.FromSeconds(10));
            Assert.True(File.Exists(Path.Combine(dir, "kill-counters.json")), "no state file after the first run");

            var hog = cg.Start(TestHelpers.Hog, "-s", "512", "-L", "60"); // no daemon runs now
            Assert.True(hog.WaitForExit(TimeSpan.FromSeconds(60)), "the hog was not killed");
            Assert.Equal(137, hog.ExitCode);
            Assert.Equal(1, cg.KernelOomKills());

            string log;
            using (var second = DaemonProcess.Start("run", "--config", config))
            {
                second.Stop(TimeSpan.FromSeconds(10));
                log = second.Log;
            }
            var counted = KernelKills(events, cg.Path);
            var e = Assert.Single(counted);
            Assert.True(e.GetProperty("while_stopped").GetBoolean(), e.ToString());
            Assert.Equal(1, e.GetProperty("kills").GetInt64());
            Assert.Equal("memcg", e.GetProperty("kind").GetString());
            Assert.Equal(cg.Path, e.GetProperty("cgroup").GetString());
            Assert.Contains($"while the daemon was stopped the kernel killed in cgroup {cg.Path}: 1 kill(s) of its own tasks", log);
            Assert.Contains($"{cg.Path}: local 1", StopLine(log));

            using (var third = DaemonProcess.Start("run", "--config", config))
            {
                third.Stop(TimeSpan.FromSeconds(10));
                Assert.DoesNotContain("while the daemon was stopped", third.Log);
            }
            Assert.Single(KernelKills(events, cg.Path)); // counted once, not again at the third start
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>A shell loop in the cgroup restarts the hog three times; each run is killed (by the kernel while the
    /// daemon runs dry, or by oomwarden itself): the third kill is flagged, the first two are not.</summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_hog_restarted_in_the_same_cgroup_is_flagged_as_a_restart_loop_on_the_third_kill(bool byKernel)
    {
        V1MemoryCgroup.Require();
        Repo.RequireBinary();
        if (byKernel && !File.Exists("/dev/kmsg")) Assert.Skip("no /dev/kmsg");
        using var cg = V1MemoryCgroup.Create("oomwarden-rl", byKernel ? Limit : 256L << 20);
        string dir = TestHelpers.NewTempDirectory("oomwarden-it");
        try
        {
            string events = Path.Combine(dir, "events.jsonl"), config = Path.Combine(dir, "oomwarden.toml");
            File.WriteAllText(config, Config(dir, cg.Path, dryRun: byKernel, extra: "restart_loop = { kills = 3, within = \"10m\" }"));
            using var daemon = DaemonProcess.Start("run", "--config", config);
            string hogArgs = byKernel ? "-s 512 -L 60" : "-s 1024 -r 100 -L 60";
            // the kernel log's report is released after 1 s of quiet: space the runs so each is its own report
            var loop = cg.Start("/bin/sh", "-c", $"for i in 1 2 3; do {TestHelpers.Hog} {hogArgs} > /dev/null; echo \"exit $?\"; sleep 2; done");
            Assert.True(loop.WaitForExit(TimeSpan.FromSeconds(180)), "the loop did not finish:\n" + daemon.Log);
            string loopOut = loop.StandardOutput.ReadToEnd();
            Assert.Equal(3, loopOut.Split('\n').Count(l => l.StartsWith("exit ", StringComparison.Ordinal) && l != "exit 0"));
            string kind = byKernel ? "kernel_kill" : "kill";
            var deadline = Stopwatch.StartNew();
            List<JsonElement> kills;
            do
            {
                Thread.Sleep(250);
                kills = EventLog.Read(events).Where(e => e.GetProperty("event").GetString() == kind
                    && e.TryGetProperty("cgroup", out var c) && c.GetString() == cg.Path).ToList();
            } while (kills.Count < 3 && deadline.Elapsed < TimeSpan.FromSeconds(60));
            daemon.Stop(TimeSpan.FromSeconds(10));
            string log = daemon.Log;

            Assert.True(kills.Count == 3, $"{kills.Count} {kind} records for {cg.Path}:\n{log}");
            Assert.False(kills[0].TryGetProperty("restart_loop", out _), kills[0].ToString());
            Assert.False(kills[1].TryGetProperty("restart_loop", out _), kills[1].ToString());
            Assert.True(kills[2].GetProperty("restart_loop").GetBoolean(), kills[2].ToString());
            Assert.Equal(3, kills[2].GetProperty("loop_kills").GetInt32());
            Assert.Equal("cgroup", kills[2].GetProperty("loop_key").GetString());
            Assert.Equal(1, log.Split('\n').Count(l => l.Contains("restart loop: ", StringComparison.Ordinal)));
            Assert.Contains($"restart loop: cgroup {cg.Path} killed 3 times within 10 min ({(byKernel ? "3 by the kernel, 0 by oomwarden" : "0 by the kernel, 3 by oomwarden")})", log);
            Assert.Contains("no systemd unit in its cgroup path", log);
            Assert.Equal(1, Counter(StopLine(log), "restart loops"));
            Assert.Equal(byKernel ? 3 : 0, cg.KernelOomKills());
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>restart_loop_priority on a live daemon: a loop in /P/loop is killed three times by oomwarden and then
    /// leaves a small process; when /P/big grows past the term level, the small looping process goes first (without
    /// the priority the larger /P/big does: checked by hand), then /P/big's hog.</summary>
    [Fact]
    public void Restart_loop_priority_makes_the_looping_cgroup_the_next_victim()
    {
        V1MemoryCgroup.Require();
        Repo.RequireBinary();
        using var parent = V1MemoryCgroup.Create("oomwarden-rp", 256L << 20);
        using var loopCg = V1MemoryCgroup.Create("loop", 0, parent.Path);
        using var bigCg = V1MemoryCgroup.Create("big", 0, parent.Path);
        string dir = TestHelpers.NewTempDirectory("oomwarden-it");
        try
        {
            string events = Path.Combine(dir, "events.jsonl"), config = Path.Combine(dir, "oomwarden.toml");
            File.WriteAllText(config, Config(dir, parent.Path, dryRun: false, extra: "restart_loop_priority = -1000"));
            using var daemon = DaemonProcess.Start("run", "--config", config);
            var loop = loopCg.Start("/bin/sh", "-c",
                $"for i in 1 2 3; do {TestHelpers.Hog} -s 1024 -r 100 -L 60 > /dev/null; sleep 2; done; exec {TestHelpers.Hog} -s 30 -L 400");
            var sw = Stopwatch.StartNew();
            List<JsonElement> kills;
            do
            {
                Thread.Sleep(250);
                kills = EventLog.Kills(events);
            } while (!(kills.Count >= 3 && kills[2].TryGetProperty("restart_loop", out _)) && sw.Elapsed < TimeSpan.FromSeconds(120));
            Assert.True(kills.Count == 3 && kills[2].GetProperty("restart_loop").GetBoolean(), $"{kills.Count} kills, the third not flagged:\n{daemon.Log}");
            // The loop's last process is up and small: the shell exec'd its hog, which touched its 30 MiB.
            var up = Stopwatch.StartNew();
            while (!HoldsHog(loop.Id, 30L << 20) && !loop.HasExited && up.Elapsed < TimeSpan.FromSeconds(60)) Thread.Sleep(100);
            Assert.True(HoldsHog(loop.Id, 30L << 20), "the loop's last process did not start:\n" + daemon.Log);
            Assert.False(loop.HasExited, "the looping process died before the test:\n" + daemon.Log);

            var big = bigCg.Start(TestHelpers.Hog, "-s", "1024", "-r", "50", "-L", "60");
            Assert.StartsWith("READY", big.StandardOutput.ReadLine());
            Assert.True(big.WaitForExit(TimeSpan.FromSeconds(90)), "the big hog was not killed:\n" + daemon.Log);
            Assert.True(loop.WaitForExit(TimeSpan.FromSeconds(30)), "the looping process was not killed:\n" + daemon.Log);
            Thread.Sleep(1500);
            daemon.Stop(TimeSpan.FromSeconds(10));
            kills = EventLog.Kills(events);

            Assert.True(kills.Count >= 5, $"{kills.Count} kills:\n{daemon.Log}");
            Assert.Equal(loop.Id, kills[3].GetProperty("pid").GetInt32()); // the small looping one, before the larger /big
            Assert.Equal(loopCg.Path, kills[3].GetProperty("cgroup").GetString());
            Assert.Equal(big.Id, kills[4].GetProperty("pid").GetInt32());
            Assert.Equal(0, parent.KernelOomKills());
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>True when PID runs hog (comm) with at least <paramref name="rssBytes"/> resident.</summary>
    private static bool HoldsHog(int pid, long rssBytes)
    {
        try
        {
            if (File.ReadAllText($"/proc/{pid}/comm").Trim() != "hog") return false;
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                    return long.Parse(line.AsSpan(6).Trim().TrimEnd("kB").Trim(), CultureInfo.InvariantCulture) * 1024 >= rssBytes;
        }
        catch (IOException) { }
        return false;
    }
}
