using OomWarden.Integration.Tests.Infrastructure;

namespace OomWarden.Integration.Tests.Packaging;

/// <summary><c>make deb</c>: lintian finds no error; the package installs with dpkg, its binary answers --help,
/// check-config and doctor, its man page is found, no service is enabled or started (postinst does that only where
/// systemd runs, and PID 1 is not systemd here), and a purge leaves nothing.
/// Skipped (not run) when oomwarden is already installed here, by dpkg or in /var/lib/oomwarden: never clobbered.</summary>
public sealed class DebTests
{
    private static readonly TimeSpan Slow = TimeSpan.FromMinutes(5);

    private static readonly string[] PackagePaths =
    [
        "/usr/sbin/oomwarden", "/usr/lib/oomwarden/oomwardend", "/lib/systemd/system/oomwarden.service", "/etc/oomwarden/oomwarden.toml",
        "/usr/share/man/man8/oomwarden.8.gz", "/usr/share/man/man5/oomwarden.toml.5.gz",
        "/usr/share/bash-completion/completions/oomwarden", "/usr/share/doc/oomwarden/copyright",
        "/usr/share/dbus-1/system.d/org.freedesktop.LowMemoryMonitor.conf", "/usr/share/doc/oomwarden/NOTIFY.md",
        "/usr/share/doc/oomwarden/examples/oomwarden.service.d/desktop.conf",
    ];

    [Fact]
    public void Deb_passes_lintian_installs_runs_and_purges_cleanly()
    {
        Repo.RequireBinary();
        if (!Sh.IsRoot) Assert.Skip("dpkg -i needs root");
        if (Sh.Run("dpkg-query", ["-W", "-f=${Status}", "oomwarden"], Slow).Stdout.Contains("installed", StringComparison.Ordinal))
            Assert.Skip("a package oomwarden is installed on this machine: not touching it");
        if (Directory.Exists("/var/lib/oomwarden") || Directory.Exists("/etc/oomwarden"))
            Assert.Skip("/var/lib/oomwarden or /etc/oomwarden exists (make install?): a purge would remove it");

        var deb = Sh.Run("make", ["-C", Repo.Root, "--no-print-directory", "deb", "NOBUILD=1"], Slow);
        Assert.True(deb.ExitCode == 0, deb.Stdout + deb.Stderr);
        string package = deb.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Last().Trim();
        package = Path.Combine(Repo.Root, package);
        Assert.True(File.Exists(package), "make deb printed " + deb.Stdout);

        if (File.Exists("/usr/bin/lintian"))
        {
            var lint = Sh.Run("lintian", ["--tag-display-limit", "0", package], Slow);
            var errors = lint.Stdout.Split('\n').Where(l => l.StartsWith("E:", StringComparison.Ordinal)).ToList();
            Assert.True(errors.Count == 0, "lintian errors:\n" + string.Join("\n", errors));
            Assert.NotEqual(2, lint.ExitCode);
        }
        else
        {
            Assert.Fail("lintian is missing (scripts/deps.sh installs it)");
        }

        bool installed = false;
        try
        {
            var install = Sh.Run("dpkg", ["-i", package], Slow);
            installed = true;
            Assert.True(install.ExitCode == 0, install.Stdout + install.Stderr);
            foreach (var p in PackagePaths) Assert.True(File.Exists(p), p + " missing after dpkg -i");

            var help = Sh.Run("/usr/sbin/oomwarden", ["--help"], Slow);
            Assert.Equal(0, help.ExitCode);
            Assert.Contains("doctor", help.Stdout);
            // run execs /usr/lib/oomwarden/oomwardend (without it: exit 69): its usage error is the daemon's answer.
            var run = Sh.Run("/usr/sbin/oomwarden", ["run", "--dry-rn"], Slow);
            Assert.True(run.ExitCode == 64 && run.Stderr.Contains("--dry-rn", StringComparison.Ordinal), $"run: exit {run.ExitCode}: {run.Stderr}");
            var check = Sh.Run("/usr/sbin/oomwarden", ["check-config", "/etc/oomwarden/oomwarden.toml"], Slow);
            Assert.True(check.ExitCode == 0, check.Stderr);
            var doctor = Sh.Run("/usr/sbin/oomwarden", ["doctor"], Slow);
            Assert.True(doctor.ExitCode is 0 or 1, doctor.Stderr);
            var man = Sh.Run("man", ["-w", "oomwarden"], Slow);
            Assert.Equal("/usr/share/man/man8/oomwarden.8.gz", man.Stdout.Trim());

            // Without systemd as PID 1, postinst neither enables nor starts the service.
            Assert.False(File.Exists("/etc/systemd/system/multi-user.target.wants/oomwarden.service"));
            Assert.DoesNotContain("/usr/sbin/oomwarden run", Sh.Run("ps", ["-eo", "args"], Slow).Stdout);
        }
        finally
        {
            if (installed)
            {
                var purge = Sh.Run("dpkg", ["-P", "oomwarden"], Slow);
                Assert.True(purge.ExitCode == 0, purge.Stdout + purge.Stderr);
            }
            File.Delete(package);
        }
        foreach (var p in PackagePaths) Assert.False(File.Exists(p), p + " left after dpkg -P");
        Assert.False(Directory.Exists("/etc/oomwarden"), "/etc/oomwarden left after purge");
        Assert.False(Directory.Exists("/var/lib/oomwarden"), "/var/lib/oomwarden left after purge");
        Assert.DoesNotContain("installed", Sh.Run("dpkg-query", ["-W", "-f=${Status}", "oomwarden"], Slow).Stdout);
    }
}
