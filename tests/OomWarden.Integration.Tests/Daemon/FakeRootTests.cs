using System.Security.Cryptography;
using OomWarden.Integration.Tests.Infrastructure;

namespace OomWarden.Integration.Tests.Daemon;

/// <summary>--proc-root and --sys-root trees are read, never written: a fixture copy is byte for byte the same after
/// a daemon run, and the daemon protected itself in the real procfs (its own /proc/PID/oom_score_adj is -1000).</summary>
public sealed class FakeRootTests : IDisposable
{
    private readonly string _dir = TestHelpers.NewTempDirectory("oomwarden-it");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData("kernel-6.1-v2")]
    [InlineData("kernel-6.18-hybrid")]
    public void A_fixture_tree_is_unchanged_and_the_real_daemon_is_protected(string scenario)
    {
        string tree = CopyFixture(scenario);
        // Files the daemon used to write into the tree (its own "self" protection, v1 wake-up registrations) are
        // planted as plain files, so that a write into the tree shows as a changed hash.
        File.WriteAllText(Path.Combine(tree, "proc", "self", "oom_score_adj"), "0\n");
        foreach (var limit in Directory.GetFiles(Path.Combine(tree, "sys"), "memory.limit_in_bytes", SearchOption.AllDirectories))
        {
            string cgroup = Path.GetDirectoryName(limit)!;
            File.WriteAllText(Path.Combine(cgroup, "cgroup.event_control"), "");
            File.WriteAllText(Path.Combine(cgroup, "memory.pressure_level"), "");
        }
        var before = Hashes(tree);
        string events = Path.Combine(_dir, "events.jsonl");

        int adj, pid;
        string log;
        using (var daemon = DaemonProcess.Start("run", "--dry-run", "--no-mlock", "--config", ConfinedConfig.WriteControlOnly(_dir), "--events", events,
                   "--proc-root", Path.Combine(tree, "proc"), "--sys-root", Path.Combine(tree, "sys"), "--kmsg", Path.Combine(_dir, "no-kmsg")))
        {
            pid = daemon.Pid;
            adj = int.Parse(File.ReadAllText($"/proc/{daemon.Pid}/oom_score_adj").Trim(), System.Globalization.CultureInfo.InvariantCulture);
            Thread.Sleep(1500);
            Assert.Equal(0, daemon.Stop(TimeSpan.FromSeconds(10)));
            log = daemon.Log;
        }

        if (HasCapSysResource()) Assert.Equal(-1000, adj);
        else Assert.Contains($"cannot set own oom_score_adj (/proc/{pid}/oom_score_adj) to -1000", log); // the real file was tried
        Assert.Equal("0\n", File.ReadAllText(Path.Combine(tree, "proc", "self", "oom_score_adj")));
        var after = Hashes(tree);
        Assert.Equal(before.Keys.Order(), after.Keys.Order());
        foreach (var (file, hash) in before)
            Assert.True(hash == after[file], $"{file} was written by the daemon:\n{log}");
    }

    /// <summary>An unreadable meminfo is not silently "no pressure": logged once with the file name, counted, and
    /// journaled as read_failed.</summary>
    [Fact]
    public void A_meminfo_that_stops_reading_is_logged_and_journaled()
    {
        string tree = CopyFixture("kernel-6.1-v2");
        string events = Path.Combine(_dir, "events.jsonl");
        string meminfo = Path.Combine(tree, "proc", "meminfo");
        using var daemon = DaemonProcess.Start("run", "--dry-run", "--no-mlock", "--config", ConfinedConfig.WriteControlOnly(_dir), "--events", events,
            "--proc-root", Path.Combine(tree, "proc"), "--sys-root", Path.Combine(tree, "sys"), "--kmsg", Path.Combine(_dir, "no-kmsg"));

        File.WriteAllText(meminfo, "not meminfo\n");
        // The next tick reads it; then a few more ticks, which must not log it again.
        var sw = System.Diagnostics.Stopwatch.StartNew();
        while (!daemon.Log.Contains("cannot read " + meminfo, StringComparison.Ordinal) && sw.Elapsed < TimeSpan.FromSeconds(60)) Thread.Sleep(100);
        Thread.Sleep(2000);
        daemon.Stop(TimeSpan.FromSeconds(10));

        string log = daemon.Log;
        Assert.Single(log.Split('\n'), l => l.Contains("cannot read " + meminfo, StringComparison.Ordinal));
        Assert.Matches(@"stopping \(.* [1-9][0-9]* failed read\(s\)", log);
        var failed = EventLog.Read(events).Where(e => e.GetProperty("event").GetString() == "read_failed").ToList();
        Assert.Single(failed);
        Assert.Equal("system", failed[0].GetProperty("domain").GetString());
    }

    /// <summary>CapEff bit 24: lowering oom_score_adj needs it (some sandboxes run root without it).</summary>
    private static bool HasCapSysResource()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith("CapEff:", StringComparison.Ordinal))
                return (ulong.Parse(line[7..].Trim(), System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture) & (1UL << 24)) != 0;
        return false;
    }

    private string CopyFixture(string scenario)
    {
        string source = Path.Combine(Repo.Root, "tests", "fixtures", scenario);
        string dest = Path.Combine(_dir, scenario);
        var r = Sh.Run("cp", ["-a", source, dest], TimeSpan.FromSeconds(30));
        Assert.Equal(0, r.ExitCode);
        return dest;
    }

    private static Dictionary<string, string> Hashes(string root)
        => Directory.GetFiles(root, "*", SearchOption.AllDirectories)
            .ToDictionary(f => Path.GetRelativePath(root, f), f => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f))));
}
