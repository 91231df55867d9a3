using System.Globalization;
using OomWarden.Integration.Tests.Infrastructure;

namespace OomWarden.Integration.Tests.Daemon;

/// <summary>cgroup v2 has no usage threshold to wake the daemon, so a small cgroup is polled at the worst fill rate
/// (a 64 MiB one about every 15 ms), and one near its limit faster still. Neither may make the daemon read every
/// other cgroup that often too: a node with a hundred pods would then read them all ~70 times a second or more. In
/// vmlab's guest, one boot: the daemon's read syscalls per second (/proc/PID/io) with the small cgroup alone, idle and
/// near its limit, then the same with 40 large empty cgroups beside it.</summary>
public sealed class IdlePacingV2Tests(ITestOutputHelper output)
{
    [Fact]
    public void Forty_idle_large_cgroups_beside_a_small_one_cost_few_reads_whether_it_is_idle_or_near_its_limit()
    {
        VmLab.Require();
        Repo.RequireBinary();
        string dir = TestHelpers.NewTempDirectory("oomwarden-vm");
        try
        {
            TestHelpers.CopyGuestTools(dir);
            new ConfinedConfig(dir, "/oomwarden-pace/*") { ControlSocket = null, Action = "dry_run = true" }.Write();
            var r = VmLab.Run(dir, $$"""
                D={{dir}}
                P=/sys/fs/cgroup/oomwarden-pace
                mkdir $P && echo +memory > $P/cgroup.subtree_control || exit 10
                mkdir $P/small && echo 64M > $P/small/memory.max || exit 11
                measure() {  # measure NAME: the daemon's read syscalls over 8 s, after 4 s to settle
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
                busy() {  # 52 MiB held in the small cgroup: below its low warning level, inside its prepare band
                  $D/incg $P/small $D/hog -s 52 -I -L 120 > $D/hog.out & H=$!
                  {{VmLab.WaitFor("$D/hog.out", "HOLD", 60)}}
                }
                measure alone
                busy; measure alone-busy; kill -9 $H; wait $H
                i=0; while [ $i -lt 40 ]; do i=$((i+1)); mkdir $P/big$i && echo 16G > $P/big$i/memory.max || exit 12; done
                measure beside
                busy; measure beside-busy; kill -9 $H; wait $H
                rmdir $P/big* $P/small $P
                """, VmLab.Timeout);

            string logs = string.Join("\n", new[] { "alone", "alone-busy", "beside", "beside-busy" }.Select(n => Read(dir, n + ".log")));
            Assert.True(r.ExitCode == 0, $"guest exit {r.ExitCode}: {r.Stderr}\n{logs}");
            Assert.Contains("1 limited cgroup(s)", Read(dir, "alone.log"));
            Assert.Contains("41 limited cgroup(s)", Read(dir, "beside.log"));
            double alone = ReadsPerSecond(Read(dir, "alone.reads")), beside = ReadsPerSecond(Read(dir, "beside.reads"));
            double aloneBusy = ReadsPerSecond(Read(dir, "alone-busy.reads")), besideBusy = ReadsPerSecond(Read(dir, "beside-busy.reads"));
            string figures = $"the daemon's read syscalls a second: idle {alone:F0} with the 64 MiB cgroup alone, {beside:F0} with 40 large ones beside it; "
                + $"with the small cgroup near its limit {aloneBusy:F0} and {besideBusy:F0}";
            output.WriteLine(figures);
            // The small cgroup alone keeps the loop ticking (its memory.current and memory.pressure each tick), more so
            // near its limit. The 40 large ones, 16 GiB each and empty, are due every max_interval (10 s): 4 reads a
            // second, not 40 on every tick the small one asks for.
            Assert.True(alone > 20 && aloneBusy > alone, figures + "\n" + logs);
            Assert.True(beside < alone * 1.5 + 40, figures + "\n" + logs);
            Assert.True(besideBusy < aloneBusy * 1.5 + 40, figures + "\n" + logs);
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
