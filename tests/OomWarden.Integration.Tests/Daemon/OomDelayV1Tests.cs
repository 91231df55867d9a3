using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using OomWarden.Integration.Tests.Infrastructure;
using static OomWarden.Integration.Tests.Daemon.OomDelayV1Setup;
using Setup = OomWarden.Integration.Tests.Daemon.OomDelayV1Setup;

namespace OomWarden.Integration.Tests.Daemon;

/// <summary>oom_delay on this host's cgroup v1 memory controller (issue 11, part 1): oom_kill_disable and the OOM
/// eventfd, the kill per policy at the OOM event, the kernel's turn when the delay is over, and the three ways the
/// settings come back when the daemon cannot put them back itself (its guard on death and on a hang, the restore at
/// the next start, the restore verb). The daemon is confined to the test's cgroup (system domain off, one include);
/// term and kill headroom are 0 B, so it acts only at the limit.</summary>
public sealed class OomDelayV1Tests
{
    private static readonly TimeSpan Delay = TimeSpan.FromSeconds(3);

    /// <summary>A holder (200 MiB, the policy's first victim) and a grower that allocates 400 MiB past the 512 MiB
    /// limit: at the OOM event the grower waits in the kernel, oomwarden SIGKILLs the holder (not the task that
    /// triggered it), the grower gets its memory and lives, the kernel kills nothing, and oom_kill_disable is back
    /// to 0 after the stop.</summary>
    [Fact]
    public void At_the_OOM_event_oomwarden_kills_the_policy_s_victim_and_the_kernel_kills_nothing()
    {
        using var t = Setup.Create("oomwarden-delay", """
            [[rule]]
            name = "holder goes first"
            cmdline = ["-s 200 "]
            priority = -100
            [[rule]]
            name = "grower kept"
            cmdline = ["-s 400 "]
            priority = 100
            """);
        Assert.Equal("0", t.OomKillDisable());
        using var daemon = DaemonProcess.Start("run", "--config", t.Config);
        Assert.True(Poll.Until(() => t.OomKillDisable() == "1", TimeSpan.FromSeconds(10)), "oom_kill_disable not set:\n" + daemon.Log);
        Assert.Contains(t.Cg.Directory, File.ReadAllText(t.State));

        var holder = Hog(t.Cg, "-s", "200", "-I", "-L", "60");
        WaitForLine(holder, "HOLD");
        var grower = Hog(t.Cg, "-s", "400", "-L", "60");
        bool grown = WaitForLine(grower, "HOLD", TimeSpan.FromSeconds(30));
        bool holderGone = holder.WaitForExit(TimeSpan.FromSeconds(10));
        Assert.True(Poll.Until(() => EventLog.Kills(t.Events).Count >= 1, TimeSpan.FromSeconds(10)), "no kill record:\n" + daemon.Log);
        daemon.Stop(TimeSpan.FromSeconds(10));

        Assert.True(holderGone, "the holder is still running:\n" + daemon.Log);
        Assert.True(grown, "the grower never got its 400 MiB:\n" + daemon.Log);
        Assert.False(grower.HasExited, "the grower died:\n" + daemon.Log);
        Assert.Equal(137, holder.ExitCode);
        Assert.Equal(0, t.Cg.KernelOomKills());
        var kill = Assert.Single(EventLog.Kills(t.Events));
        Assert.Equal(holder.Id, kill.GetProperty("pid").GetInt32());
        Assert.Equal("SIGKILL", kill.GetProperty("signal").GetString());
        Assert.Equal("holder goes first", kill.GetProperty("rule").GetString());
        // At the limit: the OOM event, or (when a poll reads the full cgroup first) headroom 0 B, the same instant.
        string reason = kill.GetProperty("reason").GetString()!;
        Assert.True(reason.Contains("under_oom 1", StringComparison.Ordinal) || reason.StartsWith("headroom 0 B", StringComparison.Ordinal), reason);
        Assert.Contains($"oom_delay 3s for {t.Cg.Path}: oom_kill_disable 1 (was 0)", daemon.Log);
        Assert.Equal("0", t.OomKillDisable());
        Assert.False(File.Exists(t.State), "the state file outlived the stop:\n" + daemon.Log);
    }

    /// <summary>Nothing the policy may kill: the hog waits the delay, then oomwarden writes oom_kill_disable 0 and the
    /// kernel kills it; the switch goes back to 1 once the kernel's oom_kill count has risen.</summary>
    [Fact]
    public void When_the_delay_is_over_the_kernel_kills()
    {
        using var t = Setup.Create("oomwarden-delay", Protected);
        using var daemon = DaemonProcess.Start("run", "--config", t.Config);
        Assert.True(Poll.Until(() => t.OomKillDisable() == "1", TimeSpan.FromSeconds(10)), daemon.Log);
        var hog = Hog(t.Cg, "-s", "1000", "-L", "60");
        Assert.True(Poll.Until(t.UnderOom, TimeSpan.FromSeconds(20)), "never under OOM:\n" + daemon.Log);
        var waited = Stopwatch.StartNew();
        // status while the kernel holds the hog: the wait, its deadline, its counts
        JsonElement od = default;
        Assert.True(Poll.Until(() => (od = t.StatusOomDelay()).GetProperty("state").GetString() == "waiting", TimeSpan.FromSeconds(2)),
            $"status says {od}:\n{daemon.Log}");
        Assert.Equal("memory.oom_control", od.GetProperty("mechanism").GetString());
        Assert.Equal(3000, od.GetProperty("delay_ms").GetDouble());
        Assert.InRange(od.GetProperty("deadline_in_ms").GetDouble(), 0, 3000);
        Assert.Equal(1, od.GetProperty("episodes").GetInt64());
        Assert.Equal(0, od.GetProperty("releases").GetInt64());
        bool gone = hog.WaitForExit(Delay + TimeSpan.FromSeconds(10));
        waited.Stop();
        Assert.True(gone, "the hog still waits:\n" + daemon.Log);
        Assert.True(waited.Elapsed >= Delay - TimeSpan.FromMilliseconds(500), $"killed after {waited.Elapsed}, before the delay:\n{daemon.Log}");
        Assert.Equal(1, t.Cg.KernelOomKills());
        Assert.True(Poll.Until(() => t.OomKillDisable() == "1", TimeSpan.FromSeconds(5)), "not re-armed:\n" + daemon.Log);
        od = t.StatusOomDelay();
        Assert.Equal("armed", od.GetProperty("state").GetString());
        Assert.Equal(JsonValueKind.Null, od.GetProperty("deadline_in_ms").ValueKind);
        Assert.Equal(1, od.GetProperty("releases").GetInt64());
        var text = Sh.Run(Repo.Binary, ["status", "--socket", t.Socket], TimeSpan.FromSeconds(30));
        Assert.Contains("oom_delay 3s (memory.oom_control): armed; 1 episode(s), 1 handed to the kernel", text.Stdout);
        string release = $"oomwarden_oom_delay_releases_total{{domain=\"{t.Cg.Path}\",kind=\"cgroup\"}} 1";
        Assert.True(Poll.Until(() => File.Exists(t.Metrics) && File.ReadAllText(t.Metrics).Contains(release, StringComparison.Ordinal), TimeSpan.FromSeconds(5)),
            "metrics textfile: " + (File.Exists(t.Metrics) ? File.ReadAllText(t.Metrics) : "missing"));
        var check = Sh.Run("promtool", ["check", "metrics"], TimeSpan.FromSeconds(30), stdin: File.ReadAllText(t.Metrics));
        Assert.True(check.ExitCode == 0, check.Stdout + check.Stderr);
        daemon.Stop(TimeSpan.FromSeconds(10));
        Assert.Contains("still under OOM after oom_delay 3s: oom_kill_disable 0", daemon.Log);
        Assert.Contains("the kernel's OOM killer killed 1 task(s)", daemon.Log);
        Assert.Equal("0", t.OomKillDisable());
    }

    /// <summary>Two cgroups under OOM at once, the second a second after the first: each has its own deadline. The
    /// kernel kills the first hog after its 3 s while the second still waits, then the second a second later; both
    /// switches are back to 1 afterwards. The loop never sleeps on one wait while the other is due.</summary>
    [Fact]
    public void Two_cgroups_under_OOM_at_once_each_wait_their_own_delay()
    {
        V1MemoryCgroup.Require();
        Repo.RequireBinary();
        using var a = V1MemoryCgroup.Create("oomwarden-delay", 128L << 20);
        using var b = V1MemoryCgroup.Create("oomwarden-delay", 128L << 20);
        string dir = TestHelpers.NewTempDirectory("oomwarden-it");
        try
        {
            string config = new ConfinedConfig(dir, a.Path, b.Path)
            {
                Cgroups = $$"""
                    headroom_term = "0B"
                    headroom_kill = "0B"
                    oom_delay = "3s"
                    oom_delay_state = "{{Path.Combine(dir, "run", "oom-delay.state")}}"
                    """,
                Tables = Protected,
            }.Write();
            string Disabled(V1MemoryCgroup cg) => Field(cg, "oom_kill_disable");
            using var daemon = DaemonProcess.Start("run", "--config", config);
            Assert.True(Poll.Until(() => Disabled(a) == "1" && Disabled(b) == "1", TimeSpan.FromSeconds(10)), daemon.Log);
            var hogA = Hog(a, "-s", "256", "-L", "60");
            Assert.True(Poll.Until(() => Field(a, "under_oom") == "1", TimeSpan.FromSeconds(20)), "a never under OOM:\n" + daemon.Log);
            var sinceA = Stopwatch.StartNew();
            Thread.Sleep(1000);
            var hogB = Hog(b, "-s", "256", "-L", "60");
            Assert.True(Poll.Until(() => Field(b, "under_oom") == "1", TimeSpan.FromSeconds(20)), "b never under OOM:\n" + daemon.Log);
            var sinceB = Stopwatch.StartNew();

            Assert.True(hogA.WaitForExit(Delay + TimeSpan.FromSeconds(10)), "a's hog still waits:\n" + daemon.Log);
            var aAfter = sinceA.Elapsed;
            bool bStillWaited = !hogB.HasExited;
            Assert.True(hogB.WaitForExit(Delay + TimeSpan.FromSeconds(10)), "b's hog still waits:\n" + daemon.Log);
            var bAfter = sinceB.Elapsed;
            Assert.True(aAfter >= Delay - TimeSpan.FromMilliseconds(500), $"a killed after {aAfter}:\n{daemon.Log}");
            Assert.True(bAfter >= Delay - TimeSpan.FromMilliseconds(500), $"b killed after {bAfter}:\n{daemon.Log}");
            Assert.True(bStillWaited, $"b's hog was gone when a's was killed ({aAfter}), though it came under OOM a second later:\n{daemon.Log}");
            Assert.Equal(1, a.KernelOomKills());
            Assert.Equal(1, b.KernelOomKills());
            Assert.True(Poll.Until(() => Disabled(a) == "1" && Disabled(b) == "1", TimeSpan.FromSeconds(5)), "not re-armed:\n" + daemon.Log);
            daemon.Stop(TimeSpan.FromSeconds(10));
            Assert.Contains($"{a.Path}: still under OOM after oom_delay 3s", daemon.Log);
            Assert.Contains($"{b.Path}: still under OOM after oom_delay 3s", daemon.Log);
            Assert.Equal("0", Disabled(a));
            Assert.Equal("0", Disabled(b));
        }
        finally
        {
            foreach (var cg in new[] { a, b })
                try { cg.Write("memory.oom_control", "0"); } catch (IOException) { }
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>The daemon SIGKILLed while the hog waits under OOM: its guard sees the pidfd turn readable and puts
    /// oom_kill_disable back within the delay plus 2 s, the kernel kills the hog, and the next daemon finds nothing
    /// left to restore (and arms again).</summary>
    [Fact]
    public void A_daemon_killed_while_a_task_waits_leaves_nothing_waiting()
    {
        using var t = Setup.Create("oomwarden-delay", Protected);
        var first = DaemonProcess.Start("run", "--config", t.Config);
        string firstLog;
        Process hog;
        var sinceCrash = new Stopwatch();
        try
        {
            Assert.True(Poll.Until(() => t.OomKillDisable() == "1", TimeSpan.FromSeconds(10)), first.Log);
            hog = Hog(t.Cg, "-s", "1000", "-L", "60");
            Assert.True(Poll.Until(t.UnderOom, TimeSpan.FromSeconds(20)), "never under OOM:\n" + first.Log);
            sinceCrash.Start();
            first.Crash();  // returns once the daemon's stderr is closed by everyone: the guard has exited too
            firstLog = first.Log;
        }
        finally
        {
            first.Dispose();
        }
        var left = Delay + TimeSpan.FromSeconds(2) - sinceCrash.Elapsed;
        bool gone = hog.WaitForExit(left > TimeSpan.Zero ? left : TimeSpan.Zero);
        var after = sinceCrash.Elapsed;
        Assert.True(gone, $"the hog still waits {after} after the daemon died:\n{firstLog}");
        Assert.Equal("0", t.OomKillDisable());
        Assert.Equal(1, t.Cg.KernelOomKills());
        Assert.Contains("oom-guard: the daemon exited", firstLog);
        Assert.False(File.Exists(t.State), "the guard left the state file");

        using var second = DaemonProcess.Start("run", "--config", t.Config);
        Assert.True(Poll.Until(() => t.OomKillDisable() == "1", TimeSpan.FromSeconds(10)), second.Log);
        second.Stop(TimeSpan.FromSeconds(10));
        Assert.DoesNotContain("restored", second.Log.Split('\n').TakeWhile(l => !l.Contains("guard started", StringComparison.Ordinal)));
        Assert.Contains("oom_kill_disable 1 (was 0)", second.Log);
        Assert.Equal("0", t.OomKillDisable());
    }

    /// <summary>A hung daemon (SIGSTOP) while the hog waits: no heartbeat for the delay, the guard restores and the
    /// kernel kills; the daemon, resumed, finds its guard gone and turns oom_delay off.</summary>
    [Fact]
    public void A_hung_daemon_is_covered_by_its_guard()
    {
        using var t = Setup.Create("oomwarden-delay", Protected);
        using var daemon = DaemonProcess.Start("run", "--config", t.Config);
        Assert.True(Poll.Until(() => t.OomKillDisable() == "1", TimeSpan.FromSeconds(10)), daemon.Log);
        var hog = Hog(t.Cg, "-s", "1000", "-L", "60");
        Assert.True(Poll.Until(t.UnderOom, TimeSpan.FromSeconds(20)), "never under OOM:\n" + daemon.Log);
        bool gone;
        try
        {
            Signals.Send(daemon.Pid, 19);  // SIGSTOP
            gone = hog.WaitForExit(Delay * 2 + TimeSpan.FromSeconds(3));
        }
        finally
        {
            Signals.Send(daemon.Pid, 18);  // SIGCONT
        }
        Assert.True(gone, "the hog still waits behind a stopped daemon:\n" + daemon.Log);
        Assert.True(Poll.Until(() => daemon.Log.Contains("guard", StringComparison.Ordinal) && daemon.Log.Contains("is gone", StringComparison.Ordinal), TimeSpan.FromSeconds(10)), daemon.Log);
        daemon.Stop(TimeSpan.FromSeconds(10));
        Assert.Contains("oom-guard: no heartbeat for 3s", daemon.Log);
        Assert.Equal("0", t.OomKillDisable());
        Assert.Equal(1, t.Cg.KernelOomKills());
    }

    /// <summary>Daemon and guard both SIGKILLed (nothing waits): the state file still lists the cgroup;
    /// <c>restore-oom-settings</c> puts it back, and so does the next daemon's start (before anything else).</summary>
    [Theory]
    [InlineData("verb")]
    [InlineData("start")]
    public void A_state_file_left_behind_is_restored(string by)
    {
        using var t = Setup.Create("oomwarden-delay", Protected);
        var first = DaemonProcess.Start("run", "--config", t.Config);
        try
        {
            Assert.True(Poll.Until(() => t.OomKillDisable() == "1" && first.Log.Contains("guard started (pid", StringComparison.Ordinal), TimeSpan.FromSeconds(10)), first.Log);
            string log = first.Log;
            int at = log.IndexOf("guard started (pid ", StringComparison.Ordinal) + "guard started (pid ".Length;
            int guard = int.Parse(log[at..log.IndexOf(',', at)], CultureInfo.InvariantCulture);
            Signals.Send(guard, 9);
            first.Crash();
        }
        finally
        {
            first.Dispose();
        }
        Assert.Equal("1", t.OomKillDisable());
        Assert.Contains(t.Cg.Directory + "\tmemory.oom_control\t0", File.ReadAllText(t.State));
        if (by == "verb")
        {
            var r = Sh.Run(Repo.Binary, ["restore-oom-settings", "--config", t.Config], TimeSpan.FromSeconds(30));
            Assert.True(r.ExitCode == 0, r.Stderr);
            Assert.Contains("restored 1 oom_delay setting(s)", r.Stdout);
            Assert.Equal("0", t.OomKillDisable());
            Assert.False(File.Exists(t.State));
        }
        else
        {
            File.WriteAllText(t.Config, File.ReadAllText(t.Config).Replace("oom_delay = \"3s\"", "oom_delay = \"0s\"", StringComparison.Ordinal));
            using var second = DaemonProcess.Start("run", "--config", t.Config);
            Assert.Equal("0", t.OomKillDisable());
            second.Stop(TimeSpan.FromSeconds(10));
            string log = second.Log;
            int restored = log.IndexOf("oomwarden: restored 1 oom_delay setting(s)", StringComparison.Ordinal);
            Assert.True(restored >= 0 && restored < log.IndexOf("watching", StringComparison.Ordinal), log);
            Assert.False(File.Exists(t.State));
        }
    }
}
