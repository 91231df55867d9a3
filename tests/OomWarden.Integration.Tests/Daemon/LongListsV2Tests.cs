using System.Globalization;
using System.Text.Json;
using OomWarden.Integration.Tests.Infrastructure;

namespace OomWarden.Integration.Tests.Daemon;

/// <summary>The long-file reading tests in vmlab's cgroup v2 guest, in one boot: a cgroup.procs of 3,000 pids,
/// and, in a private mount namespace, 160 tmpfs mounts before the cgroup2 line of mountinfo. explain lists every
/// process and the daemon, started in that namespace, finds and watches the cgroup and kills the hog.</summary>
public sealed class LongListsV2Tests
{
    [Fact]
    public void Thousands_of_pids_and_160_mounts_before_cgroup2_are_read_whole()
    {
        VmLab.Require();
        Repo.RequireBinary();
        string dir = TestHelpers.NewTempDirectory("oomwarden-vm");
        try
        {
            TestHelpers.CopyGuestTools(dir);
            // A loaded TCG guest decides over 3,000 pids slowly: 150 MiB of room before the limit, 15 s at the
            // hog's 10 MiB/s (the default 5 % was outrun by the kernel under a host load of 15).
            new ConfinedConfig(dir, "/oomwarden-it") { ControlSocket = null, Cgroups = "headroom_term = \"15%\"\nheadroom_kill = \"8%\"" }.Write();
            var r = VmLab.Run(dir, $$"""
                D={{dir}}
                P=/sys/fs/cgroup/oomwarden-it
                mkdir $P && echo 1G > $P/memory.max || exit 10
                $D/incg $P $D/forkn -n 2999 -L 400 > $D/forkn.out &
                {{VmLab.WaitFor("$D/forkn.out", "READY", 300)}}
                wc -l < $P/cgroup.procs > $D/count
                unshare -m sh -c '
                  D=$0; P=$1
                  mount --make-rprivate / || exit 11
                  i=0; while [ $i -lt 160 ]; do i=$((i+1)); mkdir -p /tmp/oomwarden-it-mounts/m$i && mount -t tmpfs -o size=4k oomwarden-it-$i /tmp/oomwarden-it-mounts/m$i || exit 12; done
                  umount -l /sys/fs/cgroup || exit 13
                  mount -t cgroup2 cgroup2 /sys/fs/cgroup || exit 14
                  awk "/ - cgroup2 / { print off } { off += length(\$0) + 1 }" /proc/self/mountinfo > $D/offset
                  {{Repo.Binary}} explain --domain /oomwarden-it --json > $D/explain.json 2> $D/explain.err
                  echo $? > $D/explain.status
                  {{Repo.Binary}} run --config $D/oomwarden.toml 2> $D/daemon.log &
                  DM=$!
                  i=0; while ! grep -q watching $D/daemon.log 2>/dev/null; do i=$((i+1)); [ $i -gt 600 ] && break; sleep 0.1; done
                  $D/incg $P $D/hog -s 2048 -r 10 -L 300 > /dev/null &
                  H=$!
                  wait $H; echo $? > $D/hog.status
                  sleep 1
                  kill -TERM $DM; wait $DM
                  cat $P/memory.events > $D/memory.events
                ' $D $P
                echo $? > $D/ns.status
                for p in $(cat $P/cgroup.procs); do kill -9 $p 2>/dev/null; done
                """, VmLab.Timeout, memMiB: 2048);

            string log = Read(dir, "daemon.log");
            Assert.True(r.ExitCode == 0, $"guest exit {r.ExitCode}: {r.Stderr}\n{log}");
            Assert.True(Read(dir, "ns.status").Trim() == "0", $"namespace script: {Read(dir, "ns.status")}{r.Stderr}\n{log}");
            Assert.True(Read(dir, "count").Trim() == "3000", $"{Read(dir, "count").Trim()} processes in /oomwarden-it after forkn's READY ({Read(dir, "forkn.out").Trim()}): {r.Stderr}");
            long offset = long.Parse(Read(dir, "offset").Trim(), CultureInfo.InvariantCulture);
            Assert.True(offset > 8 * 1024, $"the cgroup2 line is only {offset} bytes into mountinfo");

            Assert.True(Read(dir, "explain.status").Trim() == "0", Read(dir, "explain.err"));
            using var doc = JsonDocument.Parse(Read(dir, "explain.json"));
            var level = doc.RootElement.GetProperty("levels").EnumerateArray().Single(l => l.GetProperty("cgroup").GetString() == "/oomwarden-it");
            int processes = level.GetProperty("candidates").EnumerateArray().Count(c => c.GetProperty("kind").GetString() == "process");
            Assert.Equal(3000, processes);

            Assert.Contains("memory cgroup V2", log);
            Assert.Contains("1 limited cgroup(s)", log);
            Assert.NotEqual("0", Read(dir, "hog.status").Trim());
            Assert.True(Read(dir, "memory.events").Contains("oom_kill 0", StringComparison.Ordinal),
                $"the kernel killed first:\n{Read(dir, "memory.events")}\n{Read(dir, "events.jsonl")}\n{log}");
            var kill = Assert.Single(EventLog.Kills(Path.Combine(dir, "events.jsonl")));
            Assert.Equal("hog", kill.GetProperty("comm").GetString());
            Assert.Equal("/oomwarden-it", kill.GetProperty("domain").GetString());
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
