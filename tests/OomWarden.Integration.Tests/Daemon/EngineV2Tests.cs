using System.Globalization;
using OomWarden.Integration.Tests.Infrastructure;

namespace OomWarden.Integration.Tests.Daemon;

/// <summary>The engine in vmlab's cgroup v2 guest: two memcgs short at the same time while one victim ignores
/// SIGTERM, and a memcg short while the whole guest runs out. The guest is thrown away after each test.</summary>
public sealed class EngineV2Tests
{
    /// <summary>A (512 MiB) holds a process that ignores SIGTERM just past its term level; 0.5 s later a hog fills B.
    /// Both die by oomwarden's hand, B during A's grace, and memory.events shows no kernel kill in either.</summary>
    [Fact]
    public void Two_memcgs_short_at_once_are_both_served_while_one_victim_ignores_SIGTERM()
    {
        VmLab.Require();
        Repo.RequireBinary();
        string dir = TestHelpers.NewTempDirectory("oomwarden-vm");
        try
        {
            TestHelpers.CopyGuestTools(dir);
            // TCG guest on a loaded host: levels with more room than the defaults (as in CgroupV2KillTests).
            // term_grace: long enough that B's hog, at the fault speed of a loaded TCG guest, is served inside A's grace
            // (15 s was not: under a load of 15 B took longer to fill 460 MiB; A's SIGKILL then came first).
            new ConfinedConfig(dir, "/a", "/b")
            {
                ControlSocket = null,
                Cgroups = "headroom_term = \"10%\"\nheadroom_kill = \"5%\"",
                Action = "term_grace = \"45s\"",
            }.Write();
            var r = VmLab.Run(dir, $$"""
                D={{dir}}
                C=/sys/fs/cgroup
                mkdir $C/a $C/b && echo 512M > $C/a/memory.max && echo 512M > $C/b/memory.max
                {{Repo.Binary}} run --config $D/oomwarden.toml 2> $D/daemon.log &
                DM=$!
                {{VmLab.WaitFor("$D/daemon.log", "watching", 60)}}
                $D/incg $C/a $D/hog -s 470 -I -L {{VmLab.Lifetime}} > $D/slow.out & S=$!
                echo $S > $D/slow.pid
                {{VmLab.WaitFor("$D/slow.out", "HOLD", 60)}}
                sleep 0.5
                $D/incg $C/b $D/hog -s 2048 -L {{VmLab.Lifetime}} > /dev/null & H=$!
                echo $H > $D/hog.pid
                wait $H; echo $? > $D/hog.status
                wait $S; echo $? > $D/slow.status
                cat $C/a/memory.events > $D/a.events
                cat $C/b/memory.events > $D/b.events
                kill -TERM $DM; wait $DM
                dmesg > $D/dmesg.txt
                """, VmLab.Timeout, memMiB: 1536);

            string log = Read(dir, "daemon.log");
            Assert.True(r.ExitCode == 0, $"guest exit {r.ExitCode}: {r.Stderr}\n{log}");
            Assert.Contains("oom_kill 0", Read(dir, "a.events"));
            Assert.Contains("oom_kill 0", Read(dir, "b.events"));
            Assert.DoesNotContain("Out of memory", Read(dir, "dmesg.txt"));
            Assert.Equal("137", Read(dir, "slow.status").Trim());
            var kills = EventLog.Kills(Path.Combine(dir, "events.jsonl"));
            Assert.True(kills.Count == 2, log);
            Assert.True(Pid(dir, "hog.pid") == kills[0].GetProperty("pid").GetInt32(),
                $"the first kill is not B's hog ({Pid(dir, "hog.pid")}):\n{Read(dir, "events.jsonl")}\n{log}");
            Assert.Equal("/b", kills[0].GetProperty("domain").GetString());
            Assert.Equal(Pid(dir, "slow.pid"), kills[1].GetProperty("pid").GetInt32());
            Assert.Equal("/a", kills[1].GetProperty("domain").GetString());
            Assert.True(kills[1].GetProperty("escalated").GetBoolean(), kills[1].ToString());
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>A memcg's victim ignores SIGTERM in its grace while a hog outside every limited cgroup fills the whole
    /// guest. The memcg's kill counts for the system: the system reaching its kill level escalates it at once, and
    /// the system then kills the hog itself; the kernel kills nothing.</summary>
    [Fact]
    public void A_memcg_and_the_whole_guest_short_together_are_both_served_before_the_kernel()
    {
        VmLab.Require();
        Repo.RequireBinary();
        string dir = TestHelpers.NewTempDirectory("oomwarden-vm");
        try
        {
            TestHelpers.CopyGuestTools(dir);
            new ConfinedConfig(dir, "/a")
            {
                ConfineSystem = false,
                ControlSocket = null,
                Cgroups = "headroom_term = \"10%\"\nheadroom_kill = \"5%\"",
                Action = "term_grace = \"20s\"",
            }.Write();
            var r = VmLab.Run(dir, $$"""
                D={{dir}}
                C=/sys/fs/cgroup
                mkdir $C/a && echo 384M > $C/a/memory.max
                {{Repo.Binary}} run --config $D/oomwarden.toml 2> $D/daemon.log &
                DM=$!
                {{VmLab.WaitFor("$D/daemon.log", "watching", 60)}}
                $D/incg $C/a $D/hog -s 350 -I -L {{VmLab.Lifetime}} > $D/slow.out & S=$!
                echo $S > $D/slow.pid
                {{VmLab.WaitFor("$D/slow.out", "HOLD", 60)}}
                $D/hog -s 4096 -L {{VmLab.Lifetime}} > /dev/null & H=$!
                echo $H > $D/hog.pid
                wait $H; echo $? > $D/hog.status
                wait $S; echo $? > $D/slow.status
                cat $C/a/memory.events > $D/a.events
                kill -TERM $DM; wait $DM
                dmesg > $D/dmesg.txt
                """, VmLab.Timeout, memMiB: 1024);

            string log = Read(dir, "daemon.log");
            Assert.True(r.ExitCode == 0, $"guest exit {r.ExitCode}: {r.Stderr}\n{log}");
            Assert.DoesNotContain("Out of memory", Read(dir, "dmesg.txt"));
            Assert.Contains("oom_kill 0", Read(dir, "a.events"));
            Assert.NotEqual("0", Read(dir, "hog.status").Trim());
            Assert.Equal("137", Read(dir, "slow.status").Trim());
            var kills = EventLog.Kills(Path.Combine(dir, "events.jsonl"));
            var slow = Assert.Single(kills, k => k.GetProperty("pid").GetInt32() == Pid(dir, "slow.pid"));
            Assert.Equal("/a", slow.GetProperty("domain").GetString());
            Assert.True(slow.GetProperty("escalated").GetBoolean(), slow.ToString());
            var hog = Assert.Single(kills, k => k.GetProperty("pid").GetInt32() == Pid(dir, "hog.pid"));
            Assert.Equal("system", hog.GetProperty("domain").GetString());
            Assert.Equal(2, kills.Count);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static int Pid(string dir, string name) => int.Parse(Read(dir, name).Trim(), CultureInfo.InvariantCulture);

    private static string Read(string dir, string name)
    {
        string p = Path.Combine(dir, name);
        return File.Exists(p) ? File.ReadAllText(p) : $"({name} missing)";
    }
}
