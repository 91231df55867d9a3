using System.Globalization;
using OomWarden.Integration.Tests.Infrastructure;

namespace OomWarden.Integration.Tests.Daemon;

/// <summary>cgroup v2 has no usage threshold to wake the daemon, so a small cgroup is polled at the worst fill rate
/// (a 64 MiB one about every 15 ms). It must not make the daemon read every other cgroup that often too: a node with
/// a hundred pods would then read them all ~70 times a second. In vmlab's guest, one boot: the idle daemon's read
/// syscalls per second (/proc/PID/io) with the small cgroup alone, then with 40 large empty cgroups beside it.</summary>
public sealed class IdlePacingV2Tests(ITestOutputHelper output)
{
    [Fact]
    public void Forty_idle_large_cgroups_beside_a_small_one_cost_few_reads()
    {
        VmLab.Require();
        Repo.RequireBinary();
        string dir = TestHelpers.NewTempDirectory("oomwarden-vm");
        try
        {
            new ConfinedConfig(dir, "/oomwarden-pace/*") { ControlSocket = null, Action = "dry_run = true" }.Write();
            var r = VmLab.Run(dir, $$"""
                D={{dir}}
                P=/sys/fs/cgroup/oomwarden-pace
                mkdir $P && echo +memory > $P/cgroup.subtree_control || exit 10
                mkdir $P/small && echo 64M > $P/small/memory.max || exit 11
                measure() {  # measure NAME: the idle daemon's read syscalls over 8 s, after 4 s to settle
                  {{Repo.Binary}} run --config $D/oomwarden.toml 2> $D/$1.log &
                  DM=$!
                  i=0; while ! grep -q watching $D/$1.log 2>/dev/null; do i=$((i+1)); [ $i -gt 600 ] && break; sleep 0.1; done
                  sleep 4
                  a=$(awk '/^syscr/ { print $2 }' /proc/$DM/io); ta=$(cut -d' ' -f1 /proc/uptime)
                  sleep 8
                  b=$(awk '/^syscr/ { print $2 }' /proc/$DM/io); tb=$(cut -d' ' -f1 /proc/uptime)
                  echo "$a $b $ta $tb" > $D/$1.reads
                  kill -TERM $DM; wait $DM
                }
                measure alone
                i=0; while [ $i -lt 40 ]; do i=$((i+1)); mkdir $P/big$i && echo 16G > $P/big$i/memory.max || exit 12; done
                measure beside
                rmdir $P/big* $P/small $P
                """, VmLab.Timeout);

            string logs = Read(dir, "alone.log") + "\n" + Read(dir, "beside.log");
            Assert.True(r.ExitCode == 0, $"guest exit {r.ExitCode}: {r.Stderr}\n{logs}");
            Assert.Contains("1 limited cgroup(s)", Read(dir, "alone.log"));
            Assert.Contains("41 limited cgroup(s)", Read(dir, "beside.log"));
            double alone = ReadsPerSecond(Read(dir, "alone.reads")), beside = ReadsPerSecond(Read(dir, "beside.reads"));
            output.WriteLine($"idle daemon's read syscalls: {alone:F0}/s with the 64 MiB cgroup alone, {beside:F0}/s with 40 large ones beside it");
            // The small cgroup alone keeps the loop ticking (its memory.current and /proc/meminfo each tick). The 40
            // large ones, 16 GiB each and empty, are due every max_interval (10 s): 4 reads a second, not 40 a tick.
            Assert.True(alone > 20, $"the small cgroup alone should keep the daemon polling: {alone:F0} reads/s\n{logs}");
            Assert.True(beside < alone * 1.5 + 40, $"{beside:F0} reads/s with 40 large cgroups beside the small one, {alone:F0} without them\n{logs}");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static double ReadsPerSecond(string line)
    {
        var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(f.Length == 4, "no measurement: " + line);
        return (long.Parse(f[1], CultureInfo.InvariantCulture) - long.Parse(f[0], CultureInfo.InvariantCulture))
            / (double.Parse(f[3], CultureInfo.InvariantCulture) - double.Parse(f[2], CultureInfo.InvariantCulture));
    }

    private static string Read(string dir, string name)
    {
        string p = Path.Combine(dir, name);
        return File.Exists(p) ? File.ReadAllText(p) : $"({name} missing)";
    }
}
