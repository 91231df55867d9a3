using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using OomWarden.Integration.Tests.Infrastructure;

namespace OomWarden.Integration.Tests.Packaging;

/// <summary><c>make install</c> into a staging root (DESTDIR), the unit checked there by systemd-analyze (verify,
/// security), the installed binary's <c>doctor</c>, then <c>make uninstall</c> leaving no file behind. Nothing is
/// written outside the temporary root, and no service is started or enabled.</summary>
public sealed partial class InstallTests
{
    private static readonly TimeSpan Slow = TimeSpan.FromMinutes(5);

    [GeneratedRegex(@"Overall exposure level for oomwarden\.service: (\d+\.\d+)")]
    private static partial Regex Exposure();

    private static Sh.Result Make(string target, string destDir) =>
        Sh.Run("make", ["-C", Repo.Root, "--no-print-directory", target, "NOBUILD=1", "DESTDIR=" + destDir], Slow);

    [Fact]
    public void Install_verify_doctor_uninstall_in_a_staging_root()
    {
        Repo.RequireBinary();
        if (!File.Exists("/usr/bin/systemd-analyze")) Assert.Skip("systemd-analyze is missing (scripts/deps.sh installs systemd)");
        string root = Path.Combine(Path.GetTempPath(), "oomwarden-install-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(root);
        try
        {
            var install = Make("install", root);
            Assert.True(install.ExitCode == 0, install.Stdout + install.Stderr);
            string unit = Path.Combine(root, "etc/systemd/system/oomwarden.service");
            string[] expected =
            [
                "usr/local/sbin/oomwarden", "usr/local/lib/oomwarden/oomwardend", "etc/systemd/system/oomwarden.service", "etc/oomwarden/oomwarden.toml",
                "usr/local/share/man/man8/oomwarden.8", "usr/local/share/man/man5/oomwarden.toml.5",
                "usr/local/share/bash-completion/completions/oomwarden", "usr/local/share/doc/oomwarden/MIGRATING.md",
            ];
            foreach (var f in expected) Assert.True(File.Exists(Path.Combine(root, f)), f + " was not installed");
            Assert.Contains("ExecStart=/usr/local/sbin/oomwarden run --config /etc/oomwarden/oomwarden.toml", File.ReadAllText(unit));
            Assert.Contains("ExecStopPost=/usr/local/sbin/oomwarden restore-oom-settings --config /etc/oomwarden/oomwarden.toml", File.ReadAllText(unit));

            // The root holds only what make install wrote; ExecReload's /bin/kill is the system's.
            Directory.CreateDirectory(Path.Combine(root, "bin"));
            File.Copy("/bin/kill", Path.Combine(root, "bin", "kill"));
            string man = Path.Combine(root, "usr/local/share/man");
            var verify = Sh.Run("env", ["MANPATH=" + man, "systemd-analyze", "verify", "--root=" + root, unit], Slow);
            Assert.True(verify.ExitCode == 0 && verify.Stderr.Trim().Length == 0, "systemd-analyze verify: " + verify.Stdout + verify.Stderr);
            // The check is real: without the installed man pages, Documentation= fails it.
            var noMan = Sh.Run("env", ["MANPATH=" + Path.Combine(root, "none"), "systemd-analyze", "verify", "--root=" + root, unit], Slow);
            Assert.NotEqual(0, noMan.ExitCode);
            Assert.Contains("man oomwarden(8)", noMan.Stderr);

            var security = Sh.Run("systemd-analyze", ["security", "--offline=yes", "--root=" + root, unit], Slow);
            var m = Exposure().Match(security.Stdout);
            Assert.True(m.Success, security.Stdout + security.Stderr);
            double score = double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
            Assert.True(score <= 4.0, $"systemd-analyze security scores the unit {score} (> 4.0):\n{security.Stdout}");
            DesktopDropIn(root, unit, man, score, security.Stdout);
            File.Delete(Path.Combine(root, "bin", "kill"));
            Directory.Delete(Path.Combine(root, "bin"));

            // The installed binary's doctor: runs on this host, explains in JSON, exits 0 or 1.
            var doctor = Sh.Run(Path.Combine(root, "usr/local/sbin/oomwarden"), ["doctor", "--json"], Slow);
            Assert.True(doctor.ExitCode is 0 or 1, doctor.Stderr);
            using (var json = JsonDocument.Parse(doctor.Stdout))
            {
                var checks = json.RootElement.GetProperty("checks").EnumerateArray().Select(c => c.GetProperty("check").GetString()).ToList();
                Assert.Contains("cgroup", checks);
                Assert.Contains("other_oom_daemons", checks);
                Assert.Equal(doctor.ExitCode == 1, json.RootElement.GetProperty("warnings").GetInt32() > 0);
            }

            StatusOfTheInstalledDaemon(root);

            var uninstall = Make("uninstall", root);
            Assert.True(uninstall.ExitCode == 0, uninstall.Stdout + uninstall.Stderr);
            var left = Directory.GetFiles(root, "*", SearchOption.AllDirectories);
            Assert.True(left.Length == 0, "make uninstall left: " + string.Join(", ", left));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [GeneratedRegex(@"^✗ (\S+)", RegexOptions.Multiline)]
    private static partial Regex Exposed();

    /// <summary>deploy/oomwarden.service.d/desktop.conf (for <c>[notify] desktop = true</c>) beside the installed unit:
    /// systemd-analyze verify still passes (and reads it: a bad value in it fails), and security scores the pair worse
    /// than the unit alone only by what the drop-in needs (set*id and CAP_SETUID/CAP_SETGID for notify-desktop), at
    /// most 0.5. systemd is not PID 1 here: this is checked offline only, never run under systemd.</summary>
    private static void DesktopDropIn(string root, string unit, string man, double unitScore, string unitSecurity)
    {
        string dir = unit + ".d";
        string dropIn = Path.Combine(dir, "desktop.conf");
        Directory.CreateDirectory(dir);
        try
        {
            File.Copy(Path.Combine(Repo.Root, "deploy", "oomwarden.service.d", "desktop.conf"), dropIn);
            var verify = Sh.Run("env", ["MANPATH=" + man, "systemd-analyze", "verify", "--root=" + root, unit], Slow);
            Assert.True(verify.ExitCode == 0 && verify.Stderr.Trim().Length == 0, "systemd-analyze verify with desktop.conf: " + verify.Stdout + verify.Stderr);

            var security = Sh.Run("systemd-analyze", ["security", "--offline=yes", "--root=" + root, unit], Slow);
            var m = Exposure().Match(security.Stdout);
            Assert.True(m.Success, security.Stdout + security.Stderr);
            double score = double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
            var before = Exposed().Matches(unitSecurity).Select(x => x.Groups[1].Value).ToHashSet();
            var worse = Exposed().Matches(security.Stdout).Select(x => x.Groups[1].Value).Where(n => !before.Contains(n)).Order(StringComparer.Ordinal).ToList();
            Assert.Equal(new[] { "CapabilityBoundingSet=~CAP_SET(UID|GID|PCAP)", "SystemCallFilter=~@privileged" }, worse);
            Assert.True(score - unitScore <= 0.5, $"with desktop.conf systemd-analyze security scores {score}, the unit alone {unitScore}:\n{security.Stdout}");

            // The drop-in is really read: a bad value in it fails the check.
            File.AppendAllText(dropIn, "ProtectHome=sometimes\n");
            var bad = Sh.Run("env", ["MANPATH=" + man, "systemd-analyze", "verify", "--root=" + root, unit], Slow);
            Assert.True(bad.Stderr.Contains("desktop.conf:", StringComparison.Ordinal) && bad.Stderr.Contains("sometimes", StringComparison.Ordinal),
                "a bad desktop.conf passed: " + bad.Stdout + bad.Stderr);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>The installed binary runs as a daemon (dry run: it signals nothing) on the installed config, with only
    /// its control socket moved to a private directory, and the installed binary's <c>status</c> answers from it.</summary>
    private static void StatusOfTheInstalledDaemon(string root)
    {
        string binary = Path.Combine(root, "usr/local/sbin/oomwarden");
        string dir = TestHelpers.NewTempDirectory("oomwarden-installed");
        try
        {
            string config = Path.Combine(dir, "oomwarden.toml");
            string socket = Path.Combine(dir, "control");
            File.WriteAllText(config, File.ReadAllText(Path.Combine(root, "etc/oomwarden/oomwarden.toml")) + $"\n[control]\nsocket = \"{socket}\"\n");
            var psi = new System.Diagnostics.ProcessStartInfo(binary) { RedirectStandardError = true, RedirectStandardOutput = true };
            foreach (var a in new[] { "run", "--dry-run", "--no-mlock", "--config", config, "--events", Path.Combine(dir, "events.jsonl") })
                psi.ArgumentList.Add(a);
            using var daemon = System.Diagnostics.Process.Start(psi)!;
            var log = new System.Text.StringBuilder();
            daemon.ErrorDataReceived += (_, e) => { lock (log) log.AppendLine(e.Data); };
            daemon.BeginErrorReadLine();
            try
            {
                Sh.Result? status = null;
                var clock = System.Diagnostics.Stopwatch.StartNew();
                while (clock.Elapsed < TimeSpan.FromSeconds(30))
                {
                    status = Sh.Run(binary, ["status", "--socket", socket], Slow);
                    if (status.ExitCode == 0) break;
                    Thread.Sleep(200);
                }
                string daemonLog;
                lock (log) daemonLog = log.ToString();
                Assert.True(status is { ExitCode: 0 }, $"status of the installed daemon: {status?.ExitCode} {status?.Stderr}\n{daemonLog}");
                Assert.Contains("DRY RUN", status!.Stdout);
                Assert.Contains("config   " + config, status.Stdout);
                Assert.Contains("  system  [", status.Stdout);
            }
            finally
            {
                if (!daemon.HasExited) { daemon.Kill(); daemon.WaitForExit(10_000); }
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Uninstall_keeps_an_edited_config()
    {
        Repo.RequireBinary();
        string root = Path.Combine(Path.GetTempPath(), "oomwarden-install-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(root);
        try
        {
            Assert.Equal(0, Make("install", root).ExitCode);
            string config = Path.Combine(root, "etc/oomwarden/oomwarden.toml");
            File.AppendAllText(config, "\n[action]\ndry_run = true\n");
            var uninstall = Make("uninstall", root);
            Assert.Equal(0, uninstall.ExitCode);
            Assert.Contains("kept", uninstall.Stdout);
            Assert.Equal([config], Directory.GetFiles(root, "*", SearchOption.AllDirectories));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
