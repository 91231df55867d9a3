using System.Globalization;
using OomWarden.Integration.Tests.Infrastructure;

namespace OomWarden.Integration.Tests.Daemon;

/// <summary>The real daemon in vmlab's cgroup v2 guest: a memcg with memory.max, and the whole (1 GiB)
/// machine. The guest is thrown away after each test, so system-wide exhaustion is safe there.</summary>
public sealed class CgroupV2KillTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(50)]
    public void Kills_the_hog_in_a_memcg_before_the_kernel_does(int rateMiBPerSecond)
    {
        VmLab.Require();
        Repo.RequireBinary();
        string dir = TestHelpers.NewTempDirectory("oomwarden-vm");
        try
        {
            string hog = Path.Combine(dir, "hog");
            File.Copy(TestHelpers.Hog, hog);
            // The guest is emulated (TCG) on a loaded 2-core host: its timers and vCPUs stall for tens of
            // milliseconds, so the levels leave the fault-speed hog a little more room than the defaults.
            new ConfinedConfig(dir, "/oomwarden-it") { ControlSocket = null, Cgroups = "headroom_term = \"10%\"\nheadroom_kill = \"5%\"" }.Write();
            string rate = rateMiBPerSecond.ToString(CultureInfo.InvariantCulture);
            var r = VmLab.Run(dir, $$"""
                D={{dir}}
                CG=/sys/fs/cgroup/oomwarden-it
                mkdir $CG && echo 512M > $CG/memory.max
                sh -c 'echo $$ > $0/cgroup.procs; exec "$@"' $CG $D/hog -s 16 -L 600 > $D/bystander.out &
                BY=$!
                {{Repo.Binary}} run --config $D/oomwarden.toml 2> $D/daemon.log &
                DM=$!
                {{VmLab.WaitFor("$D/daemon.log", "watching", 60)}}
                sh -c 'echo $$ > $0/cgroup.procs; exec "$@"' $CG $D/hog -s 2048 -r {{rate}} -L {{VmLab.Lifetime}} > $D/hog.out &
                HOG=$!
                wait $HOG; echo $? > $D/hog.status
                echo $HOG > $D/hog.pid
                sleep 0.5
                if kill -0 $BY 2>/dev/null; then echo alive > $D/bystander.status; else echo dead > $D/bystander.status; fi
                cat $CG/memory.events > $D/memory.events
                kill -TERM $DM; wait $DM
                kill -9 $BY 2>/dev/null
                dmesg > $D/dmesg.txt
                """, VmLab.Timeout, memMiB: 1536);

            string log = Read(dir, "daemon.log");
            Assert.True(r.ExitCode == 0, $"guest script exit {r.ExitCode}: {r.Stderr}\n{log}");
            int hogPid = int.Parse(Read(dir, "hog.pid").Trim(), CultureInfo.InvariantCulture);
            Assert.NotEqual("0", Read(dir, "hog.status").Trim());
            string state = $"{Read(dir, "memory.events")}\n{Read(dir, "events.jsonl")}\n{log}\n{Read(dir, "bystander.out")}";
            Assert.True(Read(dir, "bystander.status").Trim() == "alive", "the bystander died:\n" + state);
            Assert.True(Read(dir, "memory.events").Contains("oom_kill 0", StringComparison.Ordinal),
                $"the kernel killed first:\n{Read(dir, "memory.events")}\n{log}\n{Read(dir, "dmesg.txt")[^Math.Min(3000, Read(dir, "dmesg.txt").Length)..]}");
            Assert.DoesNotContain("Out of memory", Read(dir, "dmesg.txt"));
            Assert.Contains("1 limited cgroup(s), 1 with kernel wake-ups", log);
            var kill = Assert.Single(EventLog.Kills(Path.Combine(dir, "events.jsonl")));
            Assert.Equal(hogPid, kill.GetProperty("pid").GetInt32());
            Assert.Equal("/oomwarden-it", kill.GetProperty("domain").GetString());
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Kills_the_hog_filling_the_whole_guest_before_the_kernel_does()
    {
        VmLab.Require();
        Repo.RequireBinary();
        string dir = TestHelpers.NewTempDirectory("oomwarden-vm");
        try
        {
            string hog = Path.Combine(dir, "hog");
            File.Copy(TestHelpers.Hog, hog);
            var r = VmLab.Run(dir, $$"""
                D={{dir}}
                $D/hog -s 16 -L 600 > $D/bystander.out &
                BY=$!
                {{Repo.Binary}} run --events $D/events.jsonl 2> $D/daemon.log &
                DM=$!
                {{VmLab.WaitFor("$D/daemon.log", "watching", 60)}}
                $D/hog -s 4096 -L {{VmLab.Lifetime}} > $D/hog.out &
                HOG=$!
                echo $HOG > $D/hog.pid
                wait $HOG; echo $? > $D/hog.status
                sleep 0.5
                if kill -0 $BY 2>/dev/null; then echo alive > $D/bystander.status; else echo dead > $D/bystander.status; fi
                kill -TERM $DM; wait $DM
                kill -9 $BY 2>/dev/null
                dmesg > $D/dmesg.txt
                """, VmLab.Timeout, memMiB: 1024);

            string log = Read(dir, "daemon.log");
            Assert.True(r.ExitCode == 0, $"guest script exit {r.ExitCode}: {r.Stderr}\n{log}");
            int hogPid = int.Parse(Read(dir, "hog.pid").Trim(), CultureInfo.InvariantCulture);
            Assert.NotEqual("0", Read(dir, "hog.status").Trim());
            Assert.Equal("alive", Read(dir, "bystander.status").Trim());
            Assert.DoesNotContain("Out of memory", Read(dir, "dmesg.txt"));
            var kill = Assert.Single(EventLog.Kills(Path.Combine(dir, "events.jsonl")));
            Assert.Equal(hogPid, kill.GetProperty("pid").GetInt32());
            Assert.Equal("system", kill.GetProperty("domain").GetString());
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
