using OomWarden.Integration.Tests.Infrastructure;

namespace OomWarden.Integration.Tests.Daemon;

/// <summary><c>oomwarden run</c> execs the daemon-only executable <c>oomwardend</c> (docs/DESIGN.md, "A daemon-only
/// executable"): same pid, same arguments (argv[0] the CLI's real path); found beside the CLI or in the installed
/// layout; missing, one line and exit 69.</summary>
public sealed class DaemonExecTests
{
    private static readonly TimeSpan Slow = TimeSpan.FromSeconds(60);

    [Fact]
    public void Run_becomes_oomwardend_with_the_same_pid_and_arguments()
    {
        string dir = TestHelpers.NewTempDirectory("oomwarden-it");
        try
        {
            string config = Path.Combine(dir, "oomwarden.toml");
            File.WriteAllText(config, $$"""
                [system]
                enabled = false
                [cgroups]
                include = ["/oomwarden-exec-none"]
                [action]
                events = "{{Path.Combine(dir, "events.jsonl")}}"
                [control]
                socket = "{{ConfinedConfig.ControlSocketIn(dir)}}"
                """);
            using var daemon = DaemonProcess.Start("run", "--dry-run", "--config", config);
            string cli = Path.GetFullPath(Repo.Binary);
            string expectedExe = Path.Combine(Path.GetDirectoryName(cli)!, "oomwardend");
            string? exe = File.ResolveLinkTarget($"/proc/{daemon.Pid}/exe", returnFinalTarget: false)?.FullName;
            string comm = File.ReadAllText($"/proc/{daemon.Pid}/comm").TrimEnd('\n');
            string[] argv = File.ReadAllText($"/proc/{daemon.Pid}/cmdline").TrimEnd('\0').Split('\0');
            int exit = daemon.Stop(TimeSpan.FromSeconds(10));

            Assert.Equal(expectedExe, exe);
            Assert.Equal("oomwardend", comm);
            Assert.Equal([cli, "run", "--dry-run", "--config", config], argv);
            Assert.True(exit == 0, "exit " + exit + ":\n" + daemon.Log);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Without_oomwardend_run_says_so_in_one_line_and_exits_69()
    {
        Repo.RequireBinary();
        string dir = TestHelpers.NewTempDirectory("oomwarden-it");
        try
        {
            string alone = Path.Combine(dir, "oomwarden");
            File.Copy(Repo.Binary, alone);
            File.SetUnixFileMode(alone, (UnixFileMode)0x1ed);
            var r = Sh.Run(alone, ["run", "--dry-run"], Slow);
            Assert.Equal(69, r.ExitCode);
            Assert.Equal("", r.Stdout);
            Assert.Equal($"oomwarden run: the daemon executable oomwardend is missing (looked for {dir}/oomwardend and {Path.GetDirectoryName(dir)}/lib/oomwarden/oomwardend); reinstall oomwarden\n", r.Stderr);
            // The other verbs do not need it.
            Assert.Equal(0, Sh.Run(alone, ["version"], Slow).ExitCode);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void The_installed_layout_is_found_sbin_and_lib_oomwarden()
    {
        Repo.RequireBinary();
        string dir = TestHelpers.NewTempDirectory("oomwarden-it");
        try
        {
            string sbin = Path.Combine(dir, "sbin"), lib = Path.Combine(dir, "lib", "oomwarden");
            Directory.CreateDirectory(sbin);
            Directory.CreateDirectory(lib);
            File.Copy(Repo.Binary, Path.Combine(sbin, "oomwarden"));
            File.Copy(Path.Combine(Path.GetDirectoryName(Repo.Binary)!, "oomwardend"), Path.Combine(lib, "oomwardend"));
            foreach (string f in (string[])[Path.Combine(sbin, "oomwarden"), Path.Combine(lib, "oomwardend")])
                File.SetUnixFileMode(f, (UnixFileMode)0x1ed);
            // A usage error is the daemon's own answer: the exec happened (without oomwardend it is exit 69).
            var r = Sh.Run(Path.Combine(sbin, "oomwarden"), ["run", "--dry-rn"], Slow);
            Assert.True(r.ExitCode == 64, $"exit {r.ExitCode}: {r.Stderr}");
            Assert.Contains("--dry-rn", r.Stderr);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
