using System.Diagnostics;
using System.Text.Json;
using OomWarden.Integration.Tests.Infrastructure;
using static OomWarden.Integration.Tests.Daemon.OomDelayV1Setup;
using Setup = OomWarden.Integration.Tests.Daemon.OomDelayV1Setup;

namespace OomWarden.Integration.Tests.Daemon;

/// <summary>oom_delay across reloads (SIGHUP), on this host's cgroup v1, with the daemon confined to the test's own
/// cgroup (<see cref="OomDelayV1Setup"/>). A reload builds a new domain object for every cgroup: a wait whose cgroup
/// is the same goes on with it (the same episode, its first deadline, nothing written to the cgroup), and the
/// delays of the reloaded rules and [cgroups] oom_delay take effect.</summary>
public sealed class OomDelayReloadV1Tests
{
    private static readonly TimeSpan Delay = TimeSpan.FromSeconds(3);

    /// <summary>Nothing the policy may kill: the hog waits under OOM, three SIGHUPs come during the wait (the last
    /// about 1.5 s in), and the kernel still kills it at the first OOM event's deadline. A wait restarted by a reload
    /// would end 1.5 s later; one put back by it (oom_kill_disable 0) would end at once.</summary>
    [Fact]
    public void A_wait_goes_on_through_reloads_and_ends_at_its_first_deadline()
    {
        using var t = Setup.Create("oomwarden-delayhup", Protected);
        using var daemon = DaemonProcess.Start("run", "--config", t.Config);
        Assert.True(Poll.Until(() => t.OomKillDisable() == "1", TimeSpan.FromSeconds(10)), daemon.Log);
        var hog = Hog(t.Cg, "-s", "1000", "-L", "60");
        Assert.True(Poll.Until(t.UnderOom, TimeSpan.FromSeconds(20)), "never under OOM:\n" + daemon.Log);
        var waited = Stopwatch.StartNew();

        for (int i = 1; i <= 3; i++)
        {
            Thread.Sleep(450);
            Assert.Equal(0, Signals.Send(daemon.Pid, Signals.Hup));
            int expected = i;
            Assert.True(Poll.Until(() => Applied(daemon.Log) >= expected, TimeSpan.FromSeconds(2)), $"reload {i} not applied:\n{daemon.Log}");
        }
        var afterReloads = waited.Elapsed;
        Assert.True(afterReloads < Delay - TimeSpan.FromMilliseconds(300), $"the reloads took until {afterReloads}: too late to test the wait:\n{daemon.Log}");
        Assert.DoesNotContain("its limit changed", daemon.Log);

        // status after the reloads: the same wait (first episode, no release), its deadline the first event's
        var od = t.StatusOomDelay();
        var sinceStart = waited.Elapsed;
        Assert.True(od.ValueKind == JsonValueKind.Object, $"no oom_delay in status after the reloads: {od}:\n{daemon.Log}");
        Assert.Equal("waiting", od.GetProperty("state").GetString());
        Assert.Equal(3000, od.GetProperty("delay_ms").GetDouble());
        Assert.Equal(1, od.GetProperty("episodes").GetInt64());
        Assert.Equal(0, od.GetProperty("releases").GetInt64());
        Assert.True(od.GetProperty("deadline_in_ms").GetDouble() <= (Delay - sinceStart).TotalMilliseconds + 100,
            $"deadline in {od.GetProperty("deadline_in_ms")} ms, {sinceStart} after the OOM event: the reloads moved it:\n{daemon.Log}");
        Assert.False(hog.HasExited, "the hog was gone before the deadline:\n" + daemon.Log);

        bool gone = hog.WaitForExit(Delay + TimeSpan.FromSeconds(10));
        var after = waited.Elapsed;
        Assert.True(gone, "the hog still waits:\n" + daemon.Log);
        Assert.True(after >= Delay - TimeSpan.FromMilliseconds(500), $"killed after {after}, before the delay:\n{daemon.Log}");
        Assert.True(after <= Delay + TimeSpan.FromSeconds(1), $"killed after {after}: not at the first deadline ({Delay}):\n{daemon.Log}");
        Assert.Equal(1, t.Cg.KernelOomKills());
        Assert.True(Poll.Until(() => t.OomKillDisable() == "1", TimeSpan.FromSeconds(5)), "not re-armed:\n" + daemon.Log);
        od = t.StatusOomDelay();
        Assert.Equal("armed", od.GetProperty("state").GetString());
        Assert.Equal(1, od.GetProperty("episodes").GetInt64());
        Assert.Equal(1, od.GetProperty("releases").GetInt64());
        daemon.Stop(TimeSpan.FromSeconds(10));

        string log = daemon.Log;
        Assert.Contains("still under OOM after oom_delay 3s: oom_kill_disable 0", log);
        Assert.Contains("the kernel's OOM killer killed 1 task(s)", log);
        Assert.DoesNotContain("its limit changed", log);
        Assert.DoesNotContain($"oom_delay for {t.Cg.Path} off", log);
        Assert.Equal(1, Count(log, "oom_kill_disable 1 (was 0)"));  // armed once, at start
        Assert.Equal("0", t.OomKillDisable());
    }

    /// <summary>Off everywhere at start; reloads then give the cgroup a rule's oom_delay (the controller and its
    /// guard start), change it (the wait stays, with the new delay), move it to [cgroups] oom_delay, turn it off (put
    /// back), and on again after the guard's timeout has passed with nothing armed (the guard is still there). A
    /// hog under OOM then waits the last delay, 1 s, not any earlier one.</summary>
    [Fact]
    public void A_reload_turns_oom_delay_on_changes_it_and_turns_it_off()
    {
        using var t = Setup.Create("oomwarden-delayrule", Protected, oomDelay: "0s");
        string Rule(string delay) => Protected + $"\n[[rule]]\nname = \"delay\"\ncgroup = \"{t.Cg.Path}\"\noom_delay = \"{delay}\"\n";
        using var daemon = DaemonProcess.Start("run", "--config", t.Config);
        void Reload(int n)
        {
            Assert.Equal(0, Signals.Send(daemon.Pid, Signals.Hup));
            Assert.True(Poll.Until(() => Applied(daemon.Log) >= n, TimeSpan.FromSeconds(10)), $"reload {n} not applied:\n{daemon.Log}");
        }
        Assert.Equal("0", t.OomKillDisable());
        Assert.Equal(JsonValueKind.Null, t.StatusOomDelay().ValueKind);

        t.WriteConfig(Rule("2s"), oomDelay: "0s");
        Reload(1);
        Assert.True(Poll.Until(() => t.OomKillDisable() == "1", TimeSpan.FromSeconds(10)), "a rule's oom_delay did not arm at the reload:\n" + daemon.Log);
        Assert.Equal(2000, t.StatusOomDelay().GetProperty("delay_ms").GetDouble());
        Assert.Contains("reload: oom_delay is on now", daemon.Log);
        Assert.Contains($"oom_delay 2s for {t.Cg.Path}: oom_kill_disable 1 (was 0)", daemon.Log);

        t.WriteConfig(Rule("5s"), oomDelay: "0s");
        Reload(2);
        var od = t.StatusOomDelay();
        Assert.Equal(5000, od.GetProperty("delay_ms").GetDouble());
        Assert.Equal("armed", od.GetProperty("state").GetString());
        Assert.Contains($"oom_delay 5s for {t.Cg.Path} (was 2s)", daemon.Log);

        t.WriteConfig(Protected, oomDelay: "1500ms");  // the rule gone, [cgroups] oom_delay gives the delay
        Reload(3);
        Assert.Equal(1500, t.StatusOomDelay().GetProperty("delay_ms").GetDouble());
        Assert.Contains("the oom_delay guard keeps the timeout it was started with (2s)", daemon.Log);
        Assert.Equal("1", t.OomKillDisable());
        Assert.Equal(1, Count(daemon.Log, "oom_kill_disable 1 (was 0)"));  // changed delays, never re-armed

        t.WriteConfig(Protected, oomDelay: "0s");
        Reload(4);
        Assert.True(Poll.Until(() => t.OomKillDisable() == "0", TimeSpan.FromSeconds(5)), "not put back when turned off:\n" + daemon.Log);
        Assert.Equal(JsonValueKind.Null, t.StatusOomDelay().ValueKind);
        Assert.Contains($"oom_delay for {t.Cg.Path} off (oom_delay is off for it now): memory.oom_control 0 again", daemon.Log);
        Assert.False(File.Exists(t.State), "the state file lists a setting that is back");

        Thread.Sleep(TimeSpan.FromSeconds(3));  // longer than the guard's 2 s without a heartbeat
        t.WriteConfig(Rule("1s"), oomDelay: "0s");
        Reload(5);
        Assert.True(Poll.Until(() => t.OomKillDisable() == "1", TimeSpan.FromSeconds(10)), "not armed again:\n" + daemon.Log);
        Assert.Equal(1000, t.StatusOomDelay().GetProperty("delay_ms").GetDouble());

        var hog = Hog(t.Cg, "-s", "1000", "-L", "60");
        Assert.True(Poll.Until(t.UnderOom, TimeSpan.FromSeconds(20)), "never under OOM:\n" + daemon.Log);
        var waited = Stopwatch.StartNew();
        Assert.True(hog.WaitForExit(TimeSpan.FromSeconds(10)), "the hog still waits:\n" + daemon.Log);
        Assert.InRange(waited.Elapsed, TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(2));
        Assert.Equal(1, t.Cg.KernelOomKills());
        Assert.True(Poll.Until(() => t.OomKillDisable() == "1", TimeSpan.FromSeconds(5)), "not re-armed:\n" + daemon.Log);
        daemon.Stop(TimeSpan.FromSeconds(10));

        string log = daemon.Log;
        Assert.Contains("still under OOM after oom_delay 1s: oom_kill_disable 0", log);
        Assert.Equal(1, Count(log, "oom_delay guard started"));
        Assert.DoesNotContain("is gone", log);
        Assert.DoesNotContain("no heartbeat", log);
        Assert.Equal("0", t.OomKillDisable());
        Assert.False(File.Exists(t.State), "the state file outlived the stop:\n" + log);
    }

    private static int Applied(string log) => Count(log, "applied at a tick boundary");

    private static int Count(string text, string what)
    {
        int n = 0;
        for (int at = text.IndexOf(what, StringComparison.Ordinal); at >= 0; at = text.IndexOf(what, at + what.Length, StringComparison.Ordinal)) n++;
        return n;
    }
}
