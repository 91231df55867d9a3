using System.Globalization;
using OomWarden.Integration.Tests.Infrastructure;

namespace OomWarden.Integration.Tests.Daemon;

/// <summary>A cpuset-confined shortage in vmlab's guest booted with two (fake) NUMA nodes: a hog bound to node 1
/// fills it while the machine as a whole still has ~40 % free. The daemon must see node 1 short and kill the hog,
/// not the lower-priority process bound to node 0, which cannot help node 1.</summary>
public sealed class NumaNodeTests
{
    [Fact]
    public void A_node_short_of_memory_is_its_own_domain_and_processes_outside_its_cpuset_are_not_chosen()
    {
        VmLab.Require();
        Repo.RequireBinary();
        string dir = TestHelpers.NewTempDirectory("oomwarden-vm");
        try
        {
            TestHelpers.CopyGuestTools(dir);
            File.WriteAllText(Path.Combine(dir, "oomwarden.toml"), $$"""
                [action]
                events = "{{dir}}/events.jsonl"
                # Without the node restriction this cgroup would be the first choice.
                [[rule]]
                cgroup = "/n0"
                priority = -10
                """);
            var r = VmLab.Run(dir, $$"""
                D={{dir}}
                C=/sys/fs/cgroup
                mkdir $C/n0 $C/n1
                echo 0 > $C/n0/cpuset.cpus && echo 0 > $C/n0/cpuset.mems
                echo 1 > $C/n1/cpuset.cpus && echo 1 > $C/n1/cpuset.mems
                $D/incg $C/n0 $D/hog -s 150 -L 600 > /dev/null & B=$!
                {{Repo.Binary}} run --config $D/oomwarden.toml 2> $D/daemon.log &
                DM=$!
                {{VmLab.WaitFor("$D/daemon.log", "watching", 60)}}
                $D/incg $C/n1 $D/hog -s 1024 -r 40 -L {{VmLab.Lifetime}} > /dev/null & H=$!
                echo $H > $D/hog.pid
                wait $H; echo $? > $D/hog.status
                sleep 0.5
                if kill -0 $B 2>/dev/null; then echo alive > $D/bystander.status; else echo dead > $D/bystander.status; fi
                kill -TERM $DM; wait $DM
                kill -9 $B 2>/dev/null
                dmesg > $D/dmesg.txt
                """, VmLab.Timeout, memMiB: 1024, kernelArgs: "numa=fake=2");

            string log = Read(dir, "daemon.log");
            Assert.True(r.ExitCode == 0, $"guest exit {r.ExitCode}: {r.Stderr}\n{log}");
            Assert.Contains("2 NUMA nodes watched", log);
            int hogPid = int.Parse(Read(dir, "hog.pid").Trim(), CultureInfo.InvariantCulture);
            Assert.NotEqual("0", Read(dir, "hog.status").Trim());
            string dmesg = Read(dir, "dmesg.txt");
            Assert.True(Read(dir, "bystander.status").Trim() == "alive",
                $"the bystander on node 0 died:\n{Read(dir, "events.jsonl")}\n{log}\n{dmesg[^Math.Min(3000, dmesg.Length)..]}");
            Assert.DoesNotContain("Out of memory", Read(dir, "dmesg.txt"));
            var kill = Assert.Single(EventLog.Kills(Path.Combine(dir, "events.jsonl")));
            Assert.Equal(hogPid, kill.GetProperty("pid").GetInt32());
            Assert.Equal("nodes:1", kill.GetProperty("domain").GetString());
            Assert.StartsWith("node 1:", kill.GetProperty("reason").GetString());
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
