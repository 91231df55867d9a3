using OomWarden.Integration.Tests.Infrastructure;

namespace OomWarden.Integration.Tests.Control;

/// <summary>The control socket's permissions, with the real binary run as nobody:nogroup (setpriv, no supplementary
/// group) against a dry-run daemon confined to the test's cgroup: without <c>[control] group</c> the socket is 0600
/// and nobody cannot even ask for status (exit 77); with <c>group = "nogroup"</c> it is 0660 owned by nogroup and
/// nobody reads status, but reload, pause and resume stay root's (exit 77, the daemon unchanged). Root pauses and
/// resumes: journaled, shown by status.</summary>
public sealed class PermissionTests
{
    [Fact]
    public void Nobody_reads_status_only_with_the_group_and_never_reloads_or_pauses()
    {
        if (!File.Exists("/usr/bin/setpriv")) Assert.Skip("setpriv (util-linux) is missing: scripts/deps.sh installs it");
        using var cg = V1MemoryCgroup.Create("oomwarden-perm", 64L << 20);
        using var f = new ControlFixture();

        f.WriteConfig(cg.Path);
        using (var daemon = DaemonProcess.Start("run", "--dry-run", "--config", f.ConfigPath))
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(f.Socket));
            var denied = f.ClientAsNobody("status", "--socket", f.Socket);
            Assert.True(denied.ExitCode == 77, $"exit {denied.ExitCode}: {denied.Stdout}{denied.Stderr}");
            Assert.Contains("permission denied", denied.Stderr);
            Assert.Equal(77, f.ClientAsNobody("reload", "--socket", f.Socket).ExitCode);
            Assert.Equal(0, f.Client("status", "--socket", f.Socket).ExitCode);
            daemon.Stop(TimeSpan.FromSeconds(10));
        }
        Assert.False(File.Exists(f.Socket), "the daemon left its socket behind");

        f.WriteConfig(cg.Path, extra: "group = \"nogroup\"");
        using (var daemon = DaemonProcess.Start("run", "--dry-run", "--config", f.ConfigPath))
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite, File.GetUnixFileMode(f.Socket));
            var status = f.ClientAsNobody("status", "--json", "--socket", f.Socket);
            Assert.True(status.ExitCode == 0, $"exit {status.ExitCode}: {status.Stderr}\n{daemon.Log}");
            Assert.Contains("\"domains\":", status.Stdout);
            foreach (var verb in new[] { "reload", "pause", "resume" })
            {
                var r = f.ClientAsNobody(verb, "--socket", f.Socket);
                Assert.True(r.ExitCode == 77, $"{verb} as nobody: exit {r.ExitCode}: {r.Stdout}{r.Stderr}");
                Assert.Contains("need root", r.Stderr);
            }
            Assert.False(f.StatusJson(daemon).GetProperty("paused").GetBoolean());
            Assert.Equal(0, f.StatusJson(daemon).GetProperty("config").GetProperty("reloads").GetInt32());

            // Root may.
            var pause = f.Client("pause", "--socket", f.Socket);
            Assert.True(pause.ExitCode == 0, pause.Stderr);
            Assert.True(f.StatusJson(daemon).GetProperty("paused").GetBoolean());
            Assert.Contains("PAUSED", f.Client("status", "--socket", f.Socket).Stdout);
            Assert.Equal(0, f.Client("resume", "--socket", f.Socket).ExitCode);
            Assert.False(f.StatusJson(daemon).GetProperty("paused").GetBoolean());
            daemon.Stop(TimeSpan.FromSeconds(10));
        }
        var events = EventLog.Read(f.Events).Select(e => e.GetProperty("event").GetString()).ToList();
        Assert.Contains("pause", events);
        Assert.Contains("resume", events);
    }

    [Fact]
    public void A_paused_daemon_watches_but_does_not_act_until_resumed()
    {
        using var cg = V1MemoryCgroup.Create("oomwarden-pause", 64L << 20);
        using var f = new ControlFixture();
        f.WriteConfig(cg.Path);
        using var daemon = DaemonProcess.Start("run", "--dry-run", "--config", f.ConfigPath);
        Assert.Equal(0, f.Client("pause", "--socket", f.Socket).ExitCode);

        var hog = cg.Start(TestHelpers.Hog, "-s", "56", "-r", "0", "-L", "60");
        Assert.StartsWith("READY", hog.StandardOutput.ReadLine());
        Assert.True(ControlFixture.WaitUntil(() => ControlFixture.Domain(f.StatusJson(daemon), cg.Path).GetProperty("level").GetString() is "term" or "kill",
            TimeSpan.FromSeconds(30)), "the paused daemon stopped watching:\n" + daemon.Log);
        Thread.Sleep(1500);
        Assert.DoesNotContain("would send", daemon.Log);

        Assert.Equal(0, f.Client("resume", "--socket", f.Socket).ExitCode);
        Assert.True(ControlFixture.WaitUntil(() => daemon.Log.Contains("dry-run: would send SIGTERM to pid " + hog.Id, StringComparison.Ordinal), TimeSpan.FromSeconds(30)),
            "no decision after resume:\n" + daemon.Log);
        hog.Kill();
    }
}
