using System.Globalization;
using System.Text.Json;
using OomWarden.Integration.Tests.Infrastructure;

namespace OomWarden.Integration.Tests.Daemon;

/// <summary>oom_delay on cgroup v2 (vmlab's 6.1 guest): no switch makes the kernel wait, so oomwarden sets memory.high
/// a margin (5%) below memory.max; the grower is throttled there, oomwarden kills the policy's victim (a holder, not
/// the grower), the kernel kills nothing, and memory.high is back to "max" after the stop.</summary>
public sealed class OomDelayV2Tests
{
    [Fact]
    public void The_memory_high_window_throttles_the_grower_while_oomwarden_kills_the_policy_s_victim()
    {
        string dir = Setup("/oomwarden-delay", """
            [[rule]]
            name = "holder goes first"
            cmdline = ["-s 200 "]
            priority = -100
            [[rule]]
            name = "grower kept"
            cmdline = ["-s 400 "]
            priority = 100
            """);
        try
        {
            var r = VmLab.Run(dir, $$"""
                D={{dir}}
                CG=/sys/fs/cgroup/oomwarden-delay
                mkdir $CG && echo 512M > $CG/memory.max
                cat $CG/memory.high > $D/high.before
                {{Repo.Binary}} run --config $D/oomwarden.toml 2> $D/daemon.log &
                DM=$!
                {{VmLab.WaitFor("$D/daemon.log", "watching", 30)}}
                cat $CG/memory.high > $D/high.armed
                $D/incg $CG $D/hog -s 200 -I -L 100 > $D/holder.out &
                HOLDER=$!
                {{VmLab.WaitFor("$D/holder.out", "HOLD", 30)}}
                $D/incg $CG $D/hog -s 400 -L 100 > $D/grower.out &
                GROWER=$!
                {{VmLab.WaitFor("$D/grower.out", "HOLD", 60)}}
                wait $HOLDER; echo $? > $D/holder.status
                echo $HOLDER > $D/holder.pid
                if kill -0 $GROWER 2>/dev/null; then echo alive > $D/grower.status; else echo dead > $D/grower.status; fi
                sleep 1.5
                cat $CG/memory.events > $D/memory.events
                {{Repo.Binary}} status --json > $D/status.json 2> $D/status.err
                kill -TERM $DM; wait $DM
                cat $CG/memory.high > $D/high.after
                ls $D/run > $D/run.ls 2>&1
                kill -9 $GROWER 2>/dev/null
                dmesg > $D/dmesg.txt
                """, TimeSpan.FromSeconds(300), memMiB: 1536);

            string log = Read(dir, "daemon.log");
            Assert.True(r.ExitCode == 0, $"guest script exit {r.ExitCode}: {r.Stderr}\n{log}");
            Assert.Equal("max", Read(dir, "high.before").Trim());
            long high = long.Parse(Read(dir, "high.armed").Trim(), CultureInfo.InvariantCulture);
            Assert.Equal((512L << 20) - (long)((512L << 20) * 0.05) & ~4095L, high);
            Assert.Equal("137", Read(dir, "holder.status").Trim());
            Assert.True(Read(dir, "grower.status").Trim() == "alive", "the grower died:\n" + Read(dir, "grower.out") + "\n" + log);
            Assert.Contains("HOLD mib=400", Read(dir, "grower.out"));
            string events = Read(dir, "memory.events");
            Assert.True(events.Contains("oom_kill 0", StringComparison.Ordinal), $"the kernel killed:\n{events}\n{log}");
            Assert.DoesNotContain("Out of memory", Read(dir, "dmesg.txt"));
            long highEvents = events.Split('\n').Where(l => l.StartsWith("high ", StringComparison.Ordinal))
                .Select(l => long.Parse(l[5..], CultureInfo.InvariantCulture)).Single();
            Assert.True(highEvents > 0, "never throttled at memory.high:\n" + events);
            var kill = Assert.Single(EventLog.Kills(Path.Combine(dir, "events.jsonl")));
            Assert.Equal(int.Parse(Read(dir, "holder.pid").Trim(), CultureInfo.InvariantCulture), kill.GetProperty("pid").GetInt32());
            Assert.Equal("SIGKILL", kill.GetProperty("signal").GetString());
            Assert.Contains("oom_delay window", kill.GetProperty("reason").GetString());
            Assert.Contains("at memory.high", log);
            // status 1.5 s after the kill: one episode, not handed to the kernel, over or about to be (under the window)
            using (var status = JsonDocument.Parse(Read(dir, "status.json")))
            {
                var od = status.RootElement.GetProperty("domains").EnumerateArray()
                    .Single(d => d.GetProperty("name").GetString() == "/oomwarden-delay").GetProperty("oom_delay");
                Assert.Equal("memory.high", od.GetProperty("mechanism").GetString());
                Assert.Equal(3000, od.GetProperty("delay_ms").GetDouble());
                Assert.Equal(1, od.GetProperty("episodes").GetInt64());
                Assert.Equal(0, od.GetProperty("releases").GetInt64());
                Assert.Contains(od.GetProperty("state").GetString(), new[] { "armed", "leaving" });
            }
            Assert.Equal("max", Read(dir, "high.after").Trim());
            Assert.Equal("", Read(dir, "run.ls").Trim());  // the state file is gone after the stop
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>Reloads during a v2 wait (the v1 reload bugs had a v2 twin in the code's shape): nothing the policy
    /// may kill, the grower throttled at memory.high, three SIGHUPs in the window. memory.high stays as armed through
    /// them, the window ends at its first deadline (the daemon's own timestamps: a restarted one would end a delay
    /// after the last reload), then memory.high goes back to max and the kernel kills the grower at memory.max. (A
    /// longer delay is no better a test: throttled, the grower still creeps up to memory.max in ~3 s.)</summary>
    [Fact]
    public void A_memory_high_window_goes_on_through_reloads_and_ends_at_its_first_deadline()
    {
        string dir = Setup("/oomwarden-delayhup", """
            [[rule]]
            name = "nothing to kill"
            cmdline = ["hog"]
            protect = true
            """);
        try
        {
            var r = VmLab.Run(dir, $$"""
                D={{dir}}
                CG=/sys/fs/cgroup/oomwarden-delayhup
                mkdir $CG && echo 256M > $CG/memory.max
                {{Repo.Binary}} run --config $D/oomwarden.toml 2> $D/daemon.log &
                DM=$!
                {{VmLab.WaitFor("$D/daemon.log", "watching", 30)}}
                cat $CG/memory.high > $D/high.armed
                $D/incg $CG $D/hog -s 400 -L 100 > $D/grower.out &
                GROWER=$!
                {{VmLab.WaitFor("$D/daemon.log", "at memory.high", 60)}}
                for i in 1 2 3; do
                    sleep 0.15
                    kill -HUP $DM
                    j=0; while [ $(grep -c 'applied at a tick boundary' $D/daemon.log) -lt $i ] && [ $j -lt 20 ]; do j=$((j+1)); sleep 0.05; done
                    echo "$(date +%s.%N) $(cat $CG/memory.high)" >> $D/high.during
                done
                wait $GROWER; echo $? > $D/grower.status
                cat $CG/memory.events > $D/memory.events
                kill -TERM $DM; wait $DM
                cat $CG/memory.high > $D/high.after
                """, TimeSpan.FromSeconds(300), memMiB: 1536);

            string log = Read(dir, "daemon.log");
            Assert.True(r.ExitCode == 0, $"guest script exit {r.ExitCode}: {r.Stderr}\n{log}");
            string armed = Read(dir, "high.armed").Trim();
            Assert.NotEqual("max", armed);
            var start = Stamps(log, ": at memory.high ").Single();
            var released = Stamps(log, "still at memory.high after oom_delay 3s").Single();
            var reloads = Stamps(log, "applied at a tick boundary");
            Assert.Equal(3, reloads.Count);
            Assert.True(reloads.All(t => t > start && t < released), $"the reloads were not all inside the window\n{log}");
            // the first deadline: a wait restarted by the last reload would end 3 s after it
            var waited = released - start;
            Assert.True(waited >= TimeSpan.FromSeconds(2.9) && waited <= TimeSpan.FromSeconds(3.5), $"the window lasted {waited}\n{log}");
            // memory.high as armed after each reload read before the release: never put back and armed again
            var reads = Read(dir, "high.during").Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Select(l => l.Split(' ')).Select(f => (At: DateTime.UnixEpoch.AddSeconds(double.Parse(f[0], CultureInfo.InvariantCulture)), High: f[1]))
                .Where(x => x.At < released - TimeSpan.FromMilliseconds(100)).ToList(); // the write comes just before its log line
            Assert.True(reads.Count >= 2, $"{reads.Count} memory.high reads after a reload and before the release\n{log}");
            Assert.All(reads, x => Assert.Equal(armed, x.High));
            Assert.Equal("137", Read(dir, "grower.status").Trim());
            Assert.Contains("oom_kill 1", Read(dir, "memory.events"));
            Assert.DoesNotContain("its limit changed", log);
            Assert.Equal("max", Read(dir, "high.after").Trim());
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>A directory with the guest's tools and a config confined to <paramref name="cgroup"/>: headroom levels of
    /// 0 B, oom_delay 3 s, <paramref name="rules"/>.</summary>
    private static string Setup(string cgroup, string rules)
    {
        VmLab.Require();
        Repo.RequireBinary();
        string dir = TestHelpers.NewTempDirectory("oomwarden-vm");
        TestHelpers.CopyGuestTools(dir);
        new ConfinedConfig(dir, cgroup)
        {
            ControlSocket = null,
            Cgroups = $$"""
                headroom_term = "0B"
                headroom_kill = "0B"
                oom_delay = "3s"
                oom_delay_state = "{{dir}}/run/oom-delay.state"
                """,
            Tables = rules,
        }.Write();
        return dir;
    }

    /// <summary>The UTC timestamps of the daemon's log lines that hold <paramref name="what"/>.</summary>
    private static List<DateTime> Stamps(string log, string what) =>
        log.Split('\n').Where(l => l.Contains(what, StringComparison.Ordinal) && l.Length > 24 && l[4] == '-')
            .Select(l => DateTime.Parse(l[..24], CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal))
            .ToList();

    private static string Read(string dir, string name)
    {
        string p = Path.Combine(dir, name);
        return File.Exists(p) ? File.ReadAllText(p) : $"({name} missing)";
    }
}
