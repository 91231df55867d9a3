using System.Diagnostics;
using System.Globalization;
using OomWarden.Integration.Tests.Infrastructure;

namespace OomWarden.Integration.Tests.Daemon;

/// <summary>A victim that got SIGKILL but cannot exit is never chosen again, on this host's real cgroup v1 memory
/// controller: the largest hog of a low-priority cgroup sits in a frozen v1 freezer cgroup (a frozen task keeps its
/// SIGKILL pending and its memory), so the kill's exit wait runs out and the domain is still short. The next victim is
/// the next process of that cgroup, not the frozen hog again (a second signal record, a second kill), and not the
/// bystander of the high-priority cgroup. The daemon is confined to the test's cgroup by its config.</summary>
public sealed class DyingVictimV1Tests
{
    private const long Limit = 512L << 20;
    private const string FreezerMount = "/sys/fs/cgroup/freezer";

    [Fact]
    public void A_victim_that_cannot_exit_after_SIGKILL_is_not_killed_again_the_next_process_is()
    {
        V1MemoryCgroup.Require();
        Repo.RequireBinary();
        if (!File.Exists(Path.Combine(FreezerMount, "cgroup.procs"))) Assert.Skip($"no cgroup v1 freezer at {FreezerMount}");
        using var parent = V1MemoryCgroup.Create("oomwarden-dying", Limit);
        using var job = V1MemoryCgroup.Create("job", 0, parent.Path);
        using var keep = V1MemoryCgroup.Create("keep", 0, parent.Path);
        string frozen = Path.Combine(FreezerMount, "oomwarden-dying-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(frozen);
        string dir = TestHelpers.NewTempDirectory("oomwarden-it");
        DaemonProcess? daemon = null;
        try
        {
            string events = Path.Combine(dir, "events.jsonl");
            // process_mrelease would reap the frozen hog's memory (its SIGKILL is pending): off, so the memory stays
            // and the domain stays short after the exit wait.
            string config = new ConfinedConfig(dir, parent.Path)
            {
                Cgroups = "headroom_term = \"10%\"\nheadroom_kill = \"2%\"",
                Action = "term_grace = \"1s\"\nmemory_release = false",
                Tables = $$"""
                    [[rule]]
                    cgroup = "{{job.Path}}"
                    priority = -10
                    [[rule]]
                    cgroup = "{{keep.Path}}"
                    priority = 10
                    """,
            }.Write();

            // 400 + 40 MiB of 512: headroom about 70 MiB, above the term level (51 MiB).
            var stuck = Start(job, 400);
            var bystander = Start(keep, 40);
            File.WriteAllText(Path.Combine(frozen, "cgroup.procs"), stuck.Id.ToString(CultureInfo.InvariantCulture));
            File.WriteAllText(Path.Combine(frozen, "freezer.state"), "FROZEN");
            Assert.True(Poll.Until(() => File.ReadAllText(Path.Combine(frozen, "freezer.state")).Trim() == "FROZEN", TimeSpan.FromSeconds(30)),
                "the freezer cgroup did not freeze");
            daemon = DaemonProcess.Start("run", "--config", config);

            // 40 MiB more in the job cgroup: about 30 MiB of headroom, between the kill level (10 MiB) and the term level.
            var next = Start(job, 40);
            bool nextKilled = next.WaitForExit(TimeSpan.FromSeconds(90));
            // Time for a wrong second kill of the frozen hog to show up, had there been one.
            Thread.Sleep(3000);
            daemon.Stop(TimeSpan.FromSeconds(5));

            var kills = EventLog.Kills(events);
            var signals = EventLog.Read(events).Where(e => e.GetProperty("event").GetString() == "signal").ToList();
            string journal = string.Join('\n', EventLog.Read(events).Select(e => e.ToString()));
            Assert.True(nextKilled, "the second process of the job cgroup was not killed:\n" + daemon.Log + "\n" + journal);
            Assert.False(bystander.HasExited, "the bystander died:\n" + daemon.Log);
            Assert.Equal(0, parent.KernelOomKills());
            // One signal record and one kill record for the frozen hog (SIGTERM, then SIGKILL at its grace's end, then
            // judged still_alive), then the next process: never a second kill of the frozen one.
            Assert.Single(signals, s => s.GetProperty("pid").GetInt32() == stuck.Id);
            var first = Assert.Single(kills, k => k.GetProperty("pid").GetInt32() == stuck.Id);
            Assert.Equal("still_alive", first.GetProperty("result").GetString());
            Assert.Contains(kills, k => k.GetProperty("pid").GetInt32() == next.Id);
            Assert.Equal(2, kills.Count);
        }
        finally
        {
            daemon?.Dispose();
            // Thawed, the frozen hog dies of its pending SIGKILL; the cgroups' Dispose kills what is left.
            if (Directory.Exists(frozen)) File.WriteAllText(Path.Combine(frozen, "freezer.state"), "THAWED");
            foreach (var pid in File.Exists(Path.Combine(frozen, "cgroup.procs")) ? File.ReadAllLines(Path.Combine(frozen, "cgroup.procs")) : [])
                if (int.TryParse(pid, CultureInfo.InvariantCulture, out int p)) Signals.Send(p, 9);
            for (int i = 0; i < 100 && Directory.Exists(frozen); i++)
            {
                try { Directory.Delete(frozen); break; }
                catch (IOException) { Thread.Sleep(50); }
            }
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>A hog of <paramref name="mib"/> MiB allocated at once, adj 0, living longer than every wait here.</summary>
    private static Process Start(V1MemoryCgroup cg, int mib)
    {
        var p = cg.Start(TestHelpers.Hog, "-s", mib.ToString(CultureInfo.InvariantCulture), "-a", "0", "-L", "400");
        Assert.StartsWith("READY", p.StandardOutput.ReadLine());
        Assert.StartsWith("HOLD", p.StandardOutput.ReadLine());
        return p;
    }
}
