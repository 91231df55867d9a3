using System.Diagnostics;
using OomWarden.Integration.Tests.Infrastructure;

namespace OomWarden.Integration.Tests.Daemon;

/// <summary>Stray signals do not stop the real daemon: SIGHUP (a reload of the same file), SIGUSR1, SIGUSR2 and SIGPIPE to a running dry-run
/// daemon confined to the test's own cgroup; it is still alive, still acts (a dry-run decision on a hog started
/// afterwards), and SIGTERM still stops it with a stop event.</summary>
public sealed class DaemonSignalTests
{
    private const int SigHup = 1, SigUsr1 = 10, SigUsr2 = 12, SigPipe = 13;

    [Fact]
    public void Hup_usr1_usr2_and_pipe_are_survived_and_the_daemon_keeps_watching()
    {
        using var cg = V1MemoryCgroup.Create("oomwarden-sig", 64L << 20);
        string dir = TestHelpers.NewTempDirectory("oomwarden-it");
        try
        {
            string events = Path.Combine(dir, "events.jsonl");
            string config = new ConfinedConfig(dir, cg.Path) { Cgroups = "headroom_term = \"25%\"\nheadroom_kill = \"10%\"" }.Write();
            using var daemon = DaemonProcess.Start("run", "--dry-run", "--config", config);
            foreach (int sig in new[] { SigHup, SigUsr1, SigUsr2, SigPipe, SigHup })
            {
                Assert.Equal(0, Signals.Send(daemon.Pid, sig));
                Thread.Sleep(200);
            }
            Thread.Sleep(500);
            Assert.True(IsAlive(daemon.Pid), "the daemon died of a stray signal:\n" + daemon.Log);
            Assert.Contains("SIGHUP: reloading the configuration", daemon.Log);
            Assert.True(Poll.Until(() => daemon.Log.Contains("applied at a tick boundary", StringComparison.Ordinal), TimeSpan.FromSeconds(60)), "SIGHUP did not reload:\n" + daemon.Log);
            Assert.Contains("SIGUSR1: no meaning yet; ignored", daemon.Log);

            // Still acting: 56 MiB in a 64 MiB cgroup leaves 8 MiB, below the 16 MiB term level.
            var hog = cg.Start(TestHelpers.Hog, "-s", "56", "-r", "0", "-L", "60");
            Assert.StartsWith("READY", hog.StandardOutput.ReadLine());
            bool decided = Poll.Until(() => daemon.Log.Contains("dry-run: would send SIGTERM to pid " + hog.Id, StringComparison.Ordinal),
                TimeSpan.FromSeconds(30));
            int exit = daemon.Stop(TimeSpan.FromSeconds(10));

            Assert.True(decided, "no dry-run decision after the signals:\n" + daemon.Log);
            Assert.Equal(0, exit);
            Assert.False(hog.HasExited, "a dry run must not kill the hog:\n" + daemon.Log);
            var all = EventLog.Read(events);
            Assert.Equal("start", all[0].GetProperty("event").GetString());
            Assert.Contains(all, e => e.GetProperty("event").GetString() == "kill" && e.GetProperty("pid").GetInt32() == hog.Id);
            Assert.Equal("stop", all[^1].GetProperty("event").GetString());
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>Under nohup the daemon starts with SIGHUP ignored (inherited), and .NET leaves an ignored signal
    /// ignored: the daemon takes SIGHUP back, so `kill -HUP` still reloads (and a hangup still does not end it).</summary>
    [Fact]
    public void Started_under_nohup_SIGHUP_still_reloads()
    {
        string dir = TestHelpers.NewTempDirectory("oomwarden-it");
        try
        {
            string config = new ConfinedConfig(dir, "/oomwarden-nohup-none").Write();
            using var daemon = DaemonProcess.StartUnder("/usr/bin/nohup", new Dictionary<string, string>(), "run", "--dry-run", "--config", config);
            Assert.Equal(0, Signals.Send(daemon.Pid, SigHup));
            Assert.True(Poll.Until(() => daemon.Log.Contains("applied at a tick boundary", StringComparison.Ordinal), TimeSpan.FromSeconds(60)),
                "SIGHUP did not reload a daemon started under nohup:\n" + daemon.Log);
            Assert.Contains("SIGHUP: reloading the configuration", daemon.Log);
            Assert.True(IsAlive(daemon.Pid), daemon.Log);
            Assert.Equal(0, daemon.Stop(TimeSpan.FromSeconds(10)));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static bool IsAlive(int pid) => Signals.Send(pid, 0) == 0 && ProcStat.State(pid) != 'Z';
}
