using System.Globalization;
using OomWarden.Integration.Tests.Infrastructure;

namespace OomWarden.Integration.Tests.Daemon;

/// <summary>Proactive reclaim at low on a real cgroup v2 kernel (vmlab's 6.1 guest): two cgroups under a watched
/// 512 MiB domain each hold active page cache (a host file read twice through the guest's cached 9p root), which puts
/// the domain at low. The daemon writes memory.reclaim on the cgroup whose rule says reclaim = true, in 16 MiB steps,
/// and its memory.current drops; the journal shows each step with what oomwarden measured; the cgroup without the key
/// keeps its cache.</summary>
public sealed class ReclaimV2Tests
{
    [Fact]
    public void At_low_the_daemon_reclaims_from_the_cgroup_with_the_key_and_leaves_the_other_alone()
    {
        VmLab.Require();
        Repo.RequireBinary();
        string dir = TestHelpers.NewTempDirectory("oomwarden-vm");
        // Outside the shared directory: the share is 9p without a page cache, the guest's root (the host's /) has one.
        string data = TestHelpers.NewTempDirectory("oomwarden-reclaim-data");
        try
        {
            WriteFile(Path.Combine(data, "cache.bin"), 160);
            WriteFile(Path.Combine(data, "keep.bin"), 64);
            new ConfinedConfig(dir, "/rc")
            {
                ControlSocket = null,
                Cgroups = "headroom_term = \"5%\"\nheadroom_kill = \"2%\"",
                Tables = """
                    [levels]
                    low = { available = "70%" }
                    medium = { available = "20%" }
                    critical = { available = "10%" }
                    reclaim_step = "16MiB"
                    reclaim_interval = "1s"
                    [[rule]]
                    name = "caches"
                    cgroup = "/rc/cache"
                    priority = -10
                    reclaim = true
                    """,
            }.Write();
            var r = VmLab.Run(dir, $$"""
                D={{dir}}
                C=/sys/fs/cgroup
                mkdir $C/rc && echo +memory > $C/rc/cgroup.subtree_control && mkdir $C/rc/cache $C/rc/keep
                echo 512M > $C/rc/memory.max
                # Read twice: the second read makes the cache active (working set), which puts /rc at low.
                sh -c "echo \$\$ > $C/rc/cache/cgroup.procs; cat {{data}}/cache.bin > /dev/null; cat {{data}}/cache.bin > /dev/null"
                sh -c "echo \$\$ > $C/rc/keep/cgroup.procs; cat {{data}}/keep.bin > /dev/null; cat {{data}}/keep.bin > /dev/null"
                cat $C/rc/cache/memory.current > $D/cache.before
                cat $C/rc/keep/memory.current > $D/keep.before
                cat $C/rc/cache/memory.stat > $D/cache.stat.before
                {{Repo.Binary}} run --config $D/oomwarden.toml 2> $D/daemon.log &
                DM=$!
                {{VmLab.WaitFor("$D/daemon.log", "watching", 60)}}
                {{VmLab.WaitFor("$D/events.jsonl", "\"event\":\"reclaim\"", 120)}}
                sleep 4
                kill -TERM $DM; wait $DM
                cat $C/rc/cache/memory.current > $D/cache.after
                cat $C/rc/keep/memory.current > $D/keep.after
                cat $C/rc/cache/memory.stat > $D/cache.stat.after
                cat $C/rc/memory.events > $D/memory.events
                """, TimeSpan.FromSeconds(420), memMiB: 1024);

            string log = Read(dir, "daemon.log");
            string journal = Read(dir, "events.jsonl");
            string context = $"\ndaemon log:\n{log}\njournal:\n{journal}\ncache before:\n{Read(dir, "cache.stat.before")}\ncache after:\n{Read(dir, "cache.stat.after")}";
            Assert.True(r.ExitCode == 0, $"guest exit {r.ExitCode}: {r.Stderr}{context}");
            var steps = EventLog.Read(Path.Combine(dir, "events.jsonl")).Where(e => e.GetProperty("event").GetString() == "reclaim").ToList();
            Assert.True(steps.Count > 0, "no reclaim record" + context);
            Assert.All(steps, s => Assert.Equal("/rc/cache", s.GetProperty("cgroup").GetString()));
            Assert.All(steps, s => Assert.Equal("/rc", s.GetProperty("domain").GetString()));
            var done = steps.Where(s => s.GetProperty("result").GetString() is "ok" or "partial").ToList();
            Assert.True(done.Count > 0, "no step was written" + context);
            foreach (var s in done)
            {
                Assert.Equal(16L << 20, s.GetProperty("requested_bytes").GetInt64());
                Assert.Equal(-10, s.GetProperty("priority").GetInt32());
                Assert.Equal("caches", s.GetProperty("rule").GetString());
                long before = s.GetProperty("usage_before_bytes").GetInt64(), after = s.GetProperty("usage_after_bytes").GetInt64();
                Assert.Equal(Math.Max(0, before - after), s.GetProperty("reclaimed_bytes").GetInt64());
                Assert.True(s.TryGetProperty("psi_some_avg10", out _), s.ToString());
            }
            long reclaimed = done.Sum(s => s.GetProperty("reclaimed_bytes").GetInt64());
            Assert.True(reclaimed >= 8L << 20, $"the journal shows {reclaimed} bytes reclaimed{context}");

            long cacheBefore = Bytes(dir, "cache.before"), cacheAfter = Bytes(dir, "cache.after");
            Assert.True(cacheAfter <= cacheBefore - (8L << 20), $"/rc/cache memory.current {cacheBefore} -> {cacheAfter}{context}");
            long keepBefore = Bytes(dir, "keep.before"), keepAfter = Bytes(dir, "keep.after");
            Assert.True(keepAfter >= keepBefore - (1L << 20), $"/rc/keep was reclaimed from: {keepBefore} -> {keepAfter}{context}");
            Assert.Contains("oom_kill 0", Read(dir, "memory.events"));
            Assert.Contains("reclaim /rc/cache", log);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
            Directory.Delete(data, recursive: true);
        }
    }

    private static void WriteFile(string path, int mib)
    {
        var block = new byte[1 << 20];
        using var f = File.Create(path);
        for (int i = 0; i < mib; i++)
        {
            Random.Shared.NextBytes(block);
            f.Write(block);
        }
    }

    private static long Bytes(string dir, string name) => long.Parse(Read(dir, name).Trim(), CultureInfo.InvariantCulture);

    private static string Read(string dir, string name)
    {
        string p = Path.Combine(dir, name);
        return File.Exists(p) ? File.ReadAllText(p) : $"({name} missing)";
    }
}
