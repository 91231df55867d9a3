using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using OomWarden.Integration.Tests.Infrastructure;

namespace OomWarden.Integration.Tests.Daemon;

/// <summary>Kernel files longer than a page on this host's real cgroup v1 memory controller: seq_file hands out
/// about 4 KiB per read, so a reader that takes a short read for the end of the file sees 683 of 1,500 pids and
/// no memory controller behind 150 mounts. The daemon is confined to the test's cgroup by its config; every
/// process is started by the test (tests/helpers/forkn.c, hog.c) and killed by pid on the way out.</summary>
public sealed class LongListsV1Tests
{
    [Fact]
    public void With_1500_processes_and_a_hog_started_last_explain_lists_all_and_the_daemon_kills_the_hog_first()
    {
        V1MemoryCgroup.Require();
        Repo.RequireBinary();
        using var cg = V1MemoryCgroup.Create("oomwarden-many", 1L << 30);
        string dir = TestHelpers.NewTempDirectory("oomwarden-it");
        try
        {
            string events = Path.Combine(dir, "events.jsonl");
            string config = new ConfinedConfig(dir, cg.Path) { Cgroups = Levels }.Write();
            // The hog must get a higher pid than all 1,500 (below): when the pid counter is too close to pid_max for
            // them and whatever else the host starts meanwhile (a parallel build forks thousands), start it again from
            // low pids, so the batch and the hog do not wrap around.
            EnsurePidsDoNotWrap(8000);
            // 1,499 children + their parent = 1,500 processes (about 300 MiB of kernel memory and page tables).
            var many = cg.Start(TestHelpers.Forkn, "-n", "1499", "-L", "400");
            Assert.StartsWith("READY", many.StandardOutput.ReadLine());
            Assert.Equal(1500, cg.Pids().Count);
            using var daemon = DaemonProcess.Start("run", "--config", config);

            // The hog is started last, so it has the highest pid: the last line of the sorted v1 cgroup.procs.
            var hog = cg.Start(TestHelpers.Hog, "-s", "2048", "-r", "40", "-L", "300");
            Assert.StartsWith("READY", hog.StandardOutput.ReadLine());
            Assert.Equal(hog.Id, cg.Pids()[^1]);

            var explain = Sh.Run(Repo.Binary, ["explain", "--domain", cg.Path, "--json"], TimeSpan.FromSeconds(120));
            Assert.True(explain.ExitCode == 0, explain.Stderr);
            using var doc = JsonDocument.Parse(explain.Stdout);
            var level = doc.RootElement.GetProperty("levels").EnumerateArray().Single(l => l.GetProperty("cgroup").GetString() == cg.Path);
            var listed = level.GetProperty("candidates").EnumerateArray()
                .Where(c => c.GetProperty("kind").GetString() == "process")
                .Select(c => c.GetProperty("pid").GetInt32()).ToHashSet();
            Assert.Equal(1501, listed.Count);
            Assert.Contains(hog.Id, listed);
            Assert.Equal(hog.Id, doc.RootElement.GetProperty("victim").GetProperty("pid").GetInt32());

            bool exited = hog.WaitForExit(TimeSpan.FromSeconds(180));
            daemon.Stop(TimeSpan.FromSeconds(10)); // judges the settling kill at once: its record is written

            Assert.True(exited, "the hog is still running:\n" + daemon.Log);
            Assert.True(cg.KernelOomKills() == 0, "the kernel killed first:\n" + daemon.Log);
            var kills = EventLog.Kills(events);
            Assert.True(kills.Count > 0, "no kill record:\n" + daemon.Log);
            Assert.Equal(hog.Id, kills[0].GetProperty("pid").GetInt32());
            Assert.Equal("hog", kills[0].GetProperty("comm").GetString());
            Assert.Equal(1500, cg.Pids().Count);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <param name="lowFdLimit">After start, the daemon's open-file limit is cut to 512 (soft and hard), so it cannot
    /// hold a pidfd for each of the 2,000 processes: it must kill in batches and still leave nothing.</param>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Kill_cgroup_on_2000_forking_processes_leaves_cgroup_procs_empty_and_the_event_says_so(bool lowFdLimit)
    {
        V1MemoryCgroup.Require();
        Repo.RequireBinary();
        using var parent = V1MemoryCgroup.Create("oomwarden-ladder", 1L << 30);
        using var batch = V1MemoryCgroup.Create("batch", 0, parent.Path);
        using var keep = V1MemoryCgroup.Create("keep", 0, parent.Path);
        string dir = TestHelpers.NewTempDirectory("oomwarden-it");
        try
        {
            string events = Path.Combine(dir, "events.jsonl");
            string config = new ConfinedConfig(dir, parent.Path)
            {
                Cgroups = Levels,
                Tables = $$"""
                    [[rule]]
                    cgroup = "{{batch.Path}}"
                    priority = -10
                    kill = "cgroup"
                    """,
            }.Write();
            var bystander = keep.Start(TestHelpers.Hog, "-s", "16", "-L", "600");
            Assert.StartsWith("READY", bystander.StandardOutput.ReadLine());
            // 2,000 processes, each forking a short-lived child every 2 s, not tied to their parent's death.
            var many = batch.Start(TestHelpers.Forkn, "-n", "1999", "-f", "2000", "-L", "400");
            Assert.StartsWith("READY", many.StandardOutput.ReadLine());
            Assert.True(batch.Pids().Count >= 2000, $"{batch.Pids().Count} processes");
            using var daemon = DaemonProcess.Start("run", "--config", config);
            if (lowFdLimit)
            {
                var limit = Sh.Run("prlimit", ["--pid", daemon.Pid.ToString(CultureInfo.InvariantCulture), "--nofile=512:512"], TimeSpan.FromSeconds(10));
                Assert.True(limit.ExitCode == 0, limit.Stderr);
            }
            // Killing the largest hog is not enough (the other keeps growing, and a forker adds a child every
            // 20 ms), so the ladder kills the cgroup as a unit.
            var forker = batch.Start(TestHelpers.Hog, "-s", "2048", "-r", "60", "-F", "-L", "400");
            Assert.StartsWith("READY", forker.StandardOutput.ReadLine());
            var grower = batch.Start(TestHelpers.Hog, "-s", "2048", "-r", "50", "-L", "400");
            Assert.StartsWith("READY", grower.StandardOutput.ReadLine());

            bool emptied = Poll.Until(() => batch.Pids().Count == 0, TimeSpan.FromSeconds(240));
            // The cgroup's kill record is written once its kill is judged (after the settle); stop judges it at once.
            Poll.Until(() => EventLog.Kills(events).Any(k => k.GetProperty("victim").GetString() == "cgroup"), TimeSpan.FromSeconds(10));
            daemon.Stop(TimeSpan.FromSeconds(20));

            Assert.True(emptied, $"batch still holds {batch.Pids().Count} processes:\n" + daemon.Log);
            Assert.Empty(batch.Pids());
            Assert.False(bystander.HasExited, "the bystander in another cgroup died:\n" + daemon.Log);
            Assert.True(parent.KernelOomKills() == 0, "the kernel killed first:\n" + daemon.Log);
            var kills = EventLog.Kills(events);
            var unit = kills.Where(k => k.GetProperty("victim").GetString() == "cgroup").ToList();
            Assert.True(unit.Count == 1, $"{unit.Count} cgroup kills:\n{daemon.Log}");
            var kill = unit[0];
            Assert.Equal(batch.Path, kill.GetProperty("cgroup").GetString());
            Assert.Equal("exited", kill.GetProperty("result").GetString());
            Assert.Equal(0, kill.GetProperty("survivors").GetInt32());
            string message = kill.GetProperty("message").GetString()!;
            int killed = int.Parse(message[..message.IndexOf(' ', StringComparison.Ordinal)], CultureInfo.InvariantCulture);
            Assert.True(killed >= 2000, message);
            if (lowFdLimit) Assert.Contains("RLIMIT_NOFILE", message);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Behind_160_mounts_explain_finds_a_limited_cgroup_and_the_daemon_watches_it()
    {
        V1MemoryCgroup.Require();
        Repo.RequireBinary();
        using var cg = V1MemoryCgroup.Create("oomwarden-mnt", 256L << 20);
        string dir = TestHelpers.NewTempDirectory("oomwarden-it");
        try
        {
            new ConfinedConfig(dir, cg.Path).Write();
            // In a private mount namespace (nothing leaks to the host): 160 tmpfs mounts, then the memory
            // hierarchy mounted again, so its line comes after them, tens of KiB into mountinfo.
            string script = $$"""
                set -u
                D={{dir}}
                mount --make-rprivate / || exit 10
                i=0; while [ $i -lt 160 ]; do i=$((i+1)); mkdir -p $D/mnt/m$i && mount -t tmpfs -o size=4k oomwarden-it-$i $D/mnt/m$i || exit 11; done
                umount {{V1MemoryCgroup.MemoryMount}} || exit 12
                mount -t cgroup -o memory cgroup {{V1MemoryCgroup.MemoryMount}} || exit 13
                awk '/ - cgroup .*[ ,]memory(,|$)/ { print off } { off += length($0) + 1 }' /proc/self/mountinfo > $D/offset
                {{Repo.Binary}} explain --domain {{cg.Path}} --json > $D/explain.json 2> $D/explain.err
                echo $? > $D/explain.status
                {{Repo.Binary}} run --config $D/oomwarden.toml 2> $D/daemon.log &
                DM=$!
                {{VmLab.WaitFor("$D/daemon.log", "watching", 60)}}
                sh -c 'echo $$ > {{cg.Directory}}/cgroup.procs && exec "$0" -s 2048 -r 100 -L 300' {{TestHelpers.Hog}} > /dev/null &
                H=$!
                wait $H; echo $? > $D/hog.status
                sleep 0.5
                kill -TERM $DM; wait $DM
                exit 0
                """;
            var r = Sh.Run("unshare", ["-m", "sh", "-c", script], TimeSpan.FromSeconds(400));
            string log = Read(dir, "daemon.log");
            Assert.True(r.ExitCode == 0, $"exit {r.ExitCode}: {r.Stderr}\n{log}");

            long offset = long.Parse(Read(dir, "offset").Trim(), CultureInfo.InvariantCulture);
            Assert.True(offset > 8 * 1024, $"the memory line is only {offset} bytes into mountinfo");
            Assert.True(Read(dir, "explain.status").Trim() == "0", Read(dir, "explain.err"));
            using var doc = JsonDocument.Parse(Read(dir, "explain.json"));
            Assert.Equal(cg.Path, doc.RootElement.GetProperty("domain").GetString());
            Assert.Equal(256L << 20, doc.RootElement.GetProperty("domain_total_bytes").GetInt64());

            Assert.Contains("memory cgroup V1", log);
            Assert.Contains("1 limited cgroup(s)", log);
            Assert.NotEqual("0", Read(dir, "hog.status").Trim());
            Assert.Equal(0, cg.KernelOomKills());
            var kill = Assert.Single(EventLog.Kills(Path.Combine(dir, "events.jsonl")));
            Assert.Equal("hog", kill.GetProperty("comm").GetString());
            Assert.Equal(cg.Path, kill.GetProperty("domain").GetString());
        }
        finally
        {
            // The mounts lived in the namespace only; they are gone with its last process.
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>Levels with room before the limit: deciding over 2,000 processes takes seconds on a loaded host, and at
    /// the default 5 % (51 MiB, half a second at the hogs' 110 MiB/s) the kernel killed first under a load of 20.</summary>
    private const string Levels = "headroom_term = \"20%\"\nheadroom_kill = \"10%\"";

    private static string Read(string dir, string name)
    {
        string p = Path.Combine(dir, name);
        return File.Exists(p) ? File.ReadAllText(p) : $"({name} missing)";
    }

    private static void EnsurePidsDoNotWrap(int count)
    {
        int pidMax = int.Parse(File.ReadAllText("/proc/sys/kernel/pid_max").Trim(), System.Globalization.CultureInfo.InvariantCulture);
        int last = int.Parse(File.ReadAllText("/proc/sys/kernel/ns_last_pid").Trim(), System.Globalization.CultureInfo.InvariantCulture);
        if (last + count >= pidMax) File.WriteAllText("/proc/sys/kernel/ns_last_pid", "300");
    }
}
