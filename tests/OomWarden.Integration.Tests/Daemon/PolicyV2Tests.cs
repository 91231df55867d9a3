using System.Globalization;
using OomWarden.Integration.Tests.Infrastructure;

namespace OomWarden.Integration.Tests.Daemon;

/// <summary>The policy in vmlab's cgroup v2 guest: priority order across three sibling cgroups under one
/// memory.max, and kill = "cgroup" emptying a forking cgroup through cgroup.kill.</summary>
public sealed class PolicyV2Tests
{
    /// <summary>A TCG guest on a loaded host decides slowly: levels with room before the limit (15 % is 77 MiB, about
    /// 1.5 s at the hogs' rates; at the default 5 % a SIGTERM went out 13 MiB from the kernel's kill under a host load
    /// of 14), as in LongListsV2Tests.</summary>
    private const string Levels = "headroom_term = \"15%\"\nheadroom_kill = \"8%\"";

    private const string Prelude = """
        P=/sys/fs/cgroup/oomwarden-it
        mkdir $P && echo 512M > $P/memory.max && echo +memory > $P/cgroup.subtree_control

        """;

    [Fact]
    public void Kills_in_priority_order_low_before_mid_and_never_high()
    {
        VmLab.Require();
        Repo.RequireBinary();
        string dir = TestHelpers.NewTempDirectory("oomwarden-vm");
        try
        {
            TestHelpers.CopyGuestTools(dir);
            new ConfinedConfig(dir, "/oomwarden-it")
            {
                ControlSocket = null,
                Cgroups = Levels,
                Tables = """
                    [[rule]]
                    cgroup = "/oomwarden-it/low"
                    priority = -10
                    [[rule]]
                    cgroup = "/oomwarden-it/mid"
                    priority = 0
                    [[rule]]
                    cgroup = "/oomwarden-it/high"
                    priority = 10
                    """,
            }.Write();
            var r = VmLab.Run(dir, Prelude + $$"""
                D={{dir}}
                for c in low mid high; do mkdir $P/$c; done
                {{Repo.Binary}} run --config $D/oomwarden.toml 2> $D/daemon.log &
                DM=$!
                {{VmLab.WaitFor("$D/daemon.log", "watching", 60)}}
                $D/incg $P/high $D/hog -s 250 -r 30 -L {{VmLab.Lifetime}} > /dev/null & H=$!
                $D/incg $P/mid $D/hog -s 250 -r 20 -L {{VmLab.Lifetime}} > /dev/null & M=$!
                $D/incg $P/low $D/hog -s 250 -r 20 -L {{VmLab.Lifetime}} > /dev/null & L=$!
                echo "$L $M $H" > $D/pids
                wait $L; echo $? > $D/low.status
                wait $M; echo $? > $D/mid.status
                sleep 2
                {{VmLab.AliveOrExit("$H", "$D/high.status")}}
                cat $P/memory.events > $D/memory.events
                kill -TERM $DM; wait $DM
                kill -9 $H 2>/dev/null
                exit 0
                """, VmLab.Timeout, memMiB: 1536);

            string state = $"{Read(dir, "memory.events")}\n{Read(dir, "events.jsonl")}\n{Read(dir, "daemon.log")}";
            Assert.True(r.ExitCode == 0, $"guest exit {r.ExitCode}: {r.Stderr}\n{state}");
            var pids = Read(dir, "pids").Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
            Assert.True(Read(dir, "high.status").Trim() == "alive", $"the high-priority hog is {Read(dir, "high.status").Trim()}:\n{state}");
            Assert.True(Read(dir, "memory.events").Contains("oom_kill 0", StringComparison.Ordinal), "the kernel killed:\n" + state);
            var kills = EventLog.Kills(Path.Combine(dir, "events.jsonl"));
            Assert.True(kills.Count == 2, $"{kills.Count} kills:\n{state}");
            Assert.Equal(pids[0], kills[0].GetProperty("pid").GetInt32());
            Assert.Equal("/oomwarden-it/low", kills[0].GetProperty("cgroup").GetString());
            Assert.Equal(pids[1], kills[1].GetProperty("pid").GetInt32());
            Assert.Equal("/oomwarden-it/mid", kills[1].GetProperty("cgroup").GetString());
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Kill_cgroup_rule_leaves_the_cgroup_empty_through_cgroup_kill()
    {
        VmLab.Require();
        Repo.RequireBinary();
        string dir = TestHelpers.NewTempDirectory("oomwarden-vm");
        try
        {
            TestHelpers.CopyGuestTools(dir);
            new ConfinedConfig(dir, "/oomwarden-it")
            {
                ControlSocket = null,
                Cgroups = Levels,
                Tables = """
                    [[rule]]
                    cgroup = "/oomwarden-it/batch"
                    priority = -10
                    kill = "cgroup"
                    """,
            }.Write();
            var r = VmLab.Run(dir, Prelude + $$"""
                D={{dir}}
                mkdir $P/batch $P/keep
                $D/incg $P/keep $D/hog -s 16 -L 600 > /dev/null & K=$!
                {{Repo.Binary}} run --config $D/oomwarden.toml 2> $D/daemon.log &
                DM=$!
                {{VmLab.WaitFor("$D/daemon.log", "watching", 60)}}
                $D/incg $P/batch $D/hog -s 2048 -r 25 -F -L {{VmLab.Lifetime}} > /dev/null &
                $D/incg $P/batch $D/hog -s 2048 -r 20 -L {{VmLab.Lifetime}} > /dev/null &
                i=0; while [ -z "$(cat $P/batch/cgroup.procs)" ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done
                # Emptying takes long in a loaded guest: 300 children sharing their parent's pages copy-on-write tear
                # down their page tables one after the other (20-30 s at a host load of 14).
                i=0; while [ -n "$(cat $P/batch/cgroup.procs)" ] && [ $i -lt 1800 ]; do sleep 0.1; i=$((i+1)); done
                sleep 0.5
                cat $P/batch/cgroup.procs > $D/batch.procs
                {{VmLab.AliveOrExit("$K", "$D/keep.status")}}
                cat $P/memory.events > $D/memory.events
                kill -TERM $DM; wait $DM
                kill -9 $K 2>/dev/null
                exit 0
                """, VmLab.Timeout, memMiB: 1536);

            Assert.True(r.ExitCode == 0, $"guest exit {r.ExitCode}: {r.Stderr}\n{Read(dir, "daemon.log")}");
            Assert.True(Read(dir, "batch.procs").Trim().Length == 0,
                $"batch still holds {Read(dir, "batch.procs").Replace('\n', ' ')}\n{Read(dir, "daemon.log")}\n{Read(dir, "events.jsonl")}");
            Assert.True(Read(dir, "keep.status").Trim() == "alive",
                $"the bystander in /oomwarden-it/keep is {Read(dir, "keep.status").Trim()}:\n{Read(dir, "daemon.log")}\n{Read(dir, "events.jsonl")}");
            Assert.True(Read(dir, "memory.events").Contains("oom_kill 0", StringComparison.Ordinal), $"the kernel killed:\n{Read(dir, "memory.events")}\n{Read(dir, "daemon.log")}\n{Read(dir, "events.jsonl")}");
            var kills = EventLog.Kills(Path.Combine(dir, "events.jsonl"));
            Assert.Contains(kills, k => k.GetProperty("victim").GetString() == "process");
            Assert.Contains(kills, k => k.GetProperty("victim").GetString() == "cgroup" && k.GetProperty("cgroup").GetString() == "/oomwarden-it/batch");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static string Read(string dir, string name)
    {
        string p = Path.Combine(dir, name);
        return File.Exists(p) ? File.ReadAllText(p) : $"({name} missing)";
    }
}
