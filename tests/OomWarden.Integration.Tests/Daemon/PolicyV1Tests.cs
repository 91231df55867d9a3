using System.Diagnostics;
using System.Globalization;
using OomWarden.Integration.Tests.Infrastructure;

namespace OomWarden.Integration.Tests.Daemon;

/// <summary>The policy on this host's real cgroup v1 memory controller: a 512 MiB cgroup with three child
/// cgroups of different priorities, each holding a hog; and a kill = "cgroup" rule that must leave a forking
/// cgroup empty. The daemon is confined to the test's cgroup by its config.</summary>
public sealed class PolicyV1Tests
{
    private const long Limit = 512L << 20;

    [Fact]
    public void Kills_in_priority_order_low_before_mid_and_never_high()
    {
        using var parent = V1MemoryCgroup.Create("oomwarden-prio", Limit);
        using var low = V1MemoryCgroup.Create("low", 0, parent.Path);
        using var mid = V1MemoryCgroup.Create("mid", 0, parent.Path);
        using var high = V1MemoryCgroup.Create("high", 0, parent.Path);
        string dir = TestHelpers.NewTempDirectory("oomwarden-it");
        try
        {
            string events = Path.Combine(dir, "events.jsonl");
            string config = new ConfinedConfig(dir, parent.Path)
            {
                Tables = $$"""
                    [[rule]]
                    cgroup = "{{low.Path}}"
                    priority = -10
                    [[rule]]
                    cgroup = "{{mid.Path}}"
                    priority = 0
                    [[rule]]
                    cgroup = "{{high.Path}}"
                    priority = 10
                    """,
            }.Write();
            using var daemon = DaemonProcess.Start("run", "--config", config);
            // 3 × 250 MiB do not fit in 512 MiB: two must go, lowest priority first. The high-priority hog is
            // the largest at every instant (it grows fastest), so footprint alone would pick it.
            var hHigh = Start(high, 250, 60);
            var hMid = Start(mid, 250, 40);
            var hLow = Start(low, 250, 40);
            bool lowGone = hLow.WaitForExit(TimeSpan.FromSeconds(120));
            bool midGone = hMid.WaitForExit(TimeSpan.FromSeconds(120));
            Thread.Sleep(2000);
            daemon.Stop(TimeSpan.FromSeconds(5));

            Assert.True(lowGone && midGone, "low and mid should both have been killed:\n" + daemon.Log);
            Assert.False(hHigh.HasExited, "the high-priority hog died:\n" + daemon.Log);
            Assert.Equal(0, parent.KernelOomKills());
            var kills = EventLog.Kills(events);
            Assert.Equal(2, kills.Count);
            Assert.Equal(hLow.Id, kills[0].GetProperty("pid").GetInt32());
            Assert.Equal(low.Path, kills[0].GetProperty("cgroup").GetString());
            Assert.Equal(hMid.Id, kills[1].GetProperty("pid").GetInt32());
            Assert.Equal(mid.Path, kills[1].GetProperty("cgroup").GetString());
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Kill_cgroup_rule_leaves_the_cgroup_empty_including_children_forked_during_the_kill()
    {
        using var parent = V1MemoryCgroup.Create("oomwarden-ladder", Limit);
        using var batch = V1MemoryCgroup.Create("batch", 0, parent.Path);
        using var keep = V1MemoryCgroup.Create("keep", 0, parent.Path);
        string dir = TestHelpers.NewTempDirectory("oomwarden-it");
        try
        {
            string events = Path.Combine(dir, "events.jsonl");
            string config = new ConfinedConfig(dir, parent.Path)
            {
                Tables = $$"""
                    [[rule]]
                    cgroup = "{{batch.Path}}"
                    priority = -10
                    kill = "cgroup"
                    """,
            }.Write();
            var bystander = Start(keep, 16, 0);
            using var daemon = DaemonProcess.Start("run", "--config", config);
            // Two growing hogs in the batch cgroup, one of them forking a child every 20 ms: killing the
            // largest is not enough (the other keeps growing), so the ladder kills the cgroup as a unit.
            var forker = batch.Start(TestHelpers.Hog, "-s", "2048", "-r", "60", "-F", "-L", "400");
            Assert.StartsWith("READY", forker.StandardOutput.ReadLine());
            var grower = Start(batch, 2048, 50);
            bool emptied = Poll.Until(() => forker.HasExited && grower.HasExited && batch.Pids().Count == 0, TimeSpan.FromSeconds(180));
            Thread.Sleep(500);
            daemon.Stop(TimeSpan.FromSeconds(5));

            Assert.True(emptied, $"batch still holds {string.Join(',', batch.Pids())}:\n" + daemon.Log);
            Assert.Empty(batch.Pids());
            Assert.False(bystander.HasExited, "the bystander in another cgroup died:\n" + daemon.Log);
            Assert.Equal(0, parent.KernelOomKills());
            var kills = EventLog.Kills(events);
            Assert.Contains(kills, k => k.GetProperty("victim").GetString() == "process");
            Assert.Contains(kills, k => k.GetProperty("victim").GetString() == "cgroup" && k.GetProperty("cgroup").GetString() == batch.Path);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>A hog whose lifetime (400 s) outlasts every wait here: one that must survive, or be killed, never ends by
    /// itself on a loaded host; the cgroup's Dispose kills what is left.</summary>
    private static Process Start(V1MemoryCgroup cg, int mib, int rate)
    {
        var p = cg.Start(TestHelpers.Hog, "-s", mib.ToString(CultureInfo.InvariantCulture), "-r", rate.ToString(CultureInfo.InvariantCulture), "-L", "400");
        Assert.StartsWith("READY", p.StandardOutput.ReadLine());
        return p;
    }
}
