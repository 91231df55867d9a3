using System.Globalization;
using System.Text.Json;
using OomWarden.Integration.Tests.Infrastructure;

namespace OomWarden.Integration.Tests.Daemon;

/// <summary>Kernel kills counted (issue 11) in vmlab's cgroup v2 guest, the daemon running there in dry run (so the
/// kernel's killer strikes): a <c>memory.oom.group</c> kill of a two-process memcg, then a global OOM of the whole
/// 1 GiB guest. The guest is the daemon's only source of kernel kills, so every counter is checked exactly.</summary>
public sealed class KernelKillCountersV2Tests
{
    [Fact]
    public void Oom_group_and_global_kills_are_counted_by_kind_with_the_cgroups_own_counters()
    {
        VmLab.Require();
        Repo.RequireBinary();
        string dir = TestHelpers.NewTempDirectory("oomwarden-vm");
        try
        {
            File.Copy(TestHelpers.Hog, Path.Combine(dir, "hog"));
            new ConfinedConfig(dir, "/oomwarden-g") { ConfineSystem = false, ControlSocket = null, Action = "dry_run = true" }.Write();
            var r = VmLab.Run(dir, $$"""
                D={{dir}}
                CG=/sys/fs/cgroup/oomwarden-g
                mkdir $CG && echo 128M > $CG/memory.max && echo 1 > $CG/memory.oom.group
                {{Repo.Binary}} run --config $D/oomwarden.toml 2> $D/daemon.log &
                DM=$!
                {{VmLab.WaitFor("$D/daemon.log", "watching", 60)}}
                sh -c 'echo $$ > $0/cgroup.procs; exec "$@"' $CG $D/hog -s 8 -L {{VmLab.Lifetime}} > /dev/null &
                SMALL=$!
                sleep 0.5
                sh -c 'echo $$ > $0/cgroup.procs; exec "$@"' $CG $D/hog -s 512 -L {{VmLab.Lifetime}} > /dev/null &
                BIG=$!
                wait $BIG; echo $? > $D/big.status
                wait $SMALL; echo $? > $D/small.status
                echo "$SMALL $BIG" > $D/group.pids
                cat $CG/memory.events > $D/memory.events
                cat $CG/memory.events.local > $D/memory.events.local
                {{VmLab.WaitFor("$D/daemon.log", "memory.oom.group kill", 60)}}
                sleep 2
                $D/hog -s 4096 -L {{VmLab.Lifetime}} > /dev/null &
                GLOBAL=$!
                echo $GLOBAL > $D/global.pid
                wait $GLOBAL; echo $? > $D/global.status
                sleep 3
                kill -TERM $DM; wait $DM
                dmesg > $D/dmesg.txt
                """, VmLab.Timeout, memMiB: 1024);

            string log = Read(dir, "daemon.log");
            Assert.True(r.ExitCode == 0, $"guest script exit {r.ExitCode}: {r.Stderr}\n{log}");
            Assert.Equal("137", Read(dir, "big.status").Trim());
            Assert.Equal("137", Read(dir, "small.status").Trim());
            Assert.Equal("137", Read(dir, "global.status").Trim());
            var pids = Read(dir, "group.pids").Trim().Split(' ').Select(p => int.Parse(p, CultureInfo.InvariantCulture)).ToArray();
            int globalPid = int.Parse(Read(dir, "global.pid").Trim(), CultureInfo.InvariantCulture);
            long hierarchical = Field(Read(dir, "memory.events"), "oom_kill"), local = Field(Read(dir, "memory.events.local"), "oom_kill");
            Assert.Equal(1, Field(Read(dir, "memory.events"), "oom_group_kill"));

            var kernel = EventLog.Read(Path.Combine(dir, "events.jsonl")).Where(e => e.GetProperty("event").GetString() == "kernel_kill").ToList();
            var group = kernel.Where(e => e.GetProperty("kind").GetString() == "memcg").ToList();
            Assert.Equal(pids.Order(), group.Select(e => e.GetProperty("pid").GetInt32()).Order());
            Assert.All(group, e =>
            {
                Assert.True(e.GetProperty("oom_group").GetBoolean(), e.ToString());
                Assert.Equal("/oomwarden-g", e.GetProperty("oom_group_cgroup").GetString());
                Assert.Equal("/oomwarden-g", e.GetProperty("domain").GetString());
                Assert.Equal("/oomwarden-g", e.GetProperty("cgroup").GetString());
            });
            var global = Assert.Single(kernel, e => e.GetProperty("kind").GetString() == "system");
            Assert.Equal(globalPid, global.GetProperty("pid").GetInt32());
            Assert.Equal("system", global.GetProperty("domain").GetString());
            Assert.Equal("CONSTRAINT_NONE", global.GetProperty("reason").GetString());
            Assert.False(global.GetProperty("oom_group").GetBoolean());
            Assert.Equal(3, kernel.Count);

            string stop = log.Split('\n').Last(l => l.Contains("oomwarden: stopping (", StringComparison.Ordinal));
            Assert.Contains("kernel kills: system 1, memcg 2, cpuset 0, mempolicy 0", stop);
            Assert.Contains($"/oomwarden-g: local {local}, hierarchical {hierarchical}, oom.group 1", stop);
            Assert.True(local >= 2, $"memory.events.local oom_kill {local}");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static long Field(string text, string key)
    {
        foreach (var line in text.Split('\n'))
            if (line.StartsWith(key + " ", StringComparison.Ordinal)) return long.Parse(line.AsSpan(key.Length + 1), CultureInfo.InvariantCulture);
        return -1;
    }

    private static string Read(string dir, string name)
    {
        string p = Path.Combine(dir, name);
        return File.Exists(p) ? File.ReadAllText(p) : $"({name} missing)";
    }
}
