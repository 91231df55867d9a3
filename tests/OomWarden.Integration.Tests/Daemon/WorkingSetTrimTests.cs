using System.Globalization;
using System.Text.RegularExpressions;
using OomWarden.Integration.Tests.Infrastructure;

namespace OomWarden.Integration.Tests.Daemon;

/// <summary>The working-set trim's cycle (docs/DESIGN.md, "The working set by the accessed bit"), on a real daemon:
/// after start its read-only file mappings are split page by page for one window (a re-listing interval and a
/// margin, 2 s and 2 s here, and then until a garbage collection of the daemon's own), then the pages nothing used are given back and the mappings merged; a period later
/// (OOMWARDEN_WORKING_SET_PERIOD, 6 s here, an hour by default) it is done again for the pages mapped since. With
/// OOMWARDEN_NO_WORKING_SET_TRIM it does none of it.</summary>
public sealed class WorkingSetTrimTests
{
    private static readonly Regex Done = new(
        @"^(\S+) oomwarden: working set: (\d+) KiB of read-only pages unused for (\d+) s given back \((\d+) pages checked, (\d+) mappings while split, (-?\d+) after;",
        RegexOptions.Multiline);

    private const int PeriodSeconds = 6;

    private static string Config(string dir) =>
        new ConfinedConfig(dir, "/oomwarden-trim-none") { Tables = "[monitor]\nrescan_interval = \"2s\"" }.Write();

    private static int ExeMappings(int pid)
    {
        string exe = File.ResolveLinkTarget($"/proc/{pid}/exe", returnFinalTarget: false)!.FullName;
        return File.ReadAllLines($"/proc/{pid}/maps").Count(l => l.EndsWith(" " + exe));
    }

    [Fact]
    public void Unused_pages_are_given_back_after_a_re_listing_window_the_mappings_merged_and_the_cycle_repeats()
    {
        string dir = TestHelpers.NewTempDirectory("oomwarden-it");
        try
        {
            using var daemon = DaemonProcess.Start(new Dictionary<string, string> { ["OOMWARDEN_WORKING_SET_PERIOD"] = PeriodSeconds.ToString(CultureInfo.InvariantCulture) },
                "run", "--dry-run", "--config", Config(dir));
            // While the window runs, the executable is one mapping per page (it has a few segments otherwise).
            int mostSplit = 0;
            MatchCollection done = Done.Matches("");
            bool asked = false;
            for (int i = 0; i < 2400 && (done = Done.Matches(daemon.Log)).Count < 2; i++)
            {
                // A later cycle looks only at pages mapped again since the last finish: a status request maps some.
                if (done.Count == 1 && !asked)
                {
                    asked = true;
                    var request = Sh.Run(Repo.Binary, ["status", "--socket", ConfinedConfig.ControlSocketIn(dir)], TimeSpan.FromSeconds(30));
                    Assert.True(request.ExitCode == 0, request.Stderr + "\n" + daemon.Log);
                }
                try
                {
                    mostSplit = Math.Max(mostSplit, ExeMappings(daemon.Pid));
                }
                catch (IOException)
                {
                }
                Thread.Sleep(100);
            }
            Assert.True(done.Count >= 2, $"{done.Count} working-set line(s) within 240 s:\n" + daemon.Log);
            Assert.True(mostSplit > 200, $"the executable had at most {mostSplit} mappings while its working set was observed:\n" + daemon.Log);
            for (int c = 0; c < done.Count; c++)
            {
                Match m = done[c];
                long droppedKib = long.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture);
                int windowSeconds = int.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture);
                int pagesChecked = int.Parse(m.Groups[4].Value, CultureInfo.InvariantCulture);
                int split = int.Parse(m.Groups[5].Value, CultureInfo.InvariantCulture);
                int merged = int.Parse(m.Groups[6].Value, CultureInfo.InvariantCulture);
                // The start-up trim: a one-second window (WorkingSetCycle.StartupWindow). Later ones: at least rescan_interval
                // 2 s and the 2 s margin, then until a collection of the daemon's own, 2 min at most.
                if (c == 0) Assert.InRange(windowSeconds, 1, 3);
                else Assert.InRange(windowSeconds, 4, 121);
                Assert.True(droppedKib < pagesChecked * 4L, $"{droppedKib} KiB dropped of {pagesChecked} pages: the used ones must stay");
                Assert.True(split >= pagesChecked, $"{split} mappings while {pagesChecked} pages were split:\n" + daemon.Log);
                // The first cycle splits every page; a later one only the pages mapped again since (the status request's).
                Assert.True(merged > 0 && merged < (c == 0 ? split / 4 : split), $"{merged} mappings after the merge, {split} while split:\n" + daemon.Log);
                if (c > 0) Assert.Contains("the pages mapped again since the last trim", m.Value + daemon.Log[(m.Index + m.Length)..].Split('\n')[0]);
            }
            // The first cycle gives back what start-up left; the second what the first window's refaults brought.
            Assert.True(long.Parse(done[0].Groups[2].Value, CultureInfo.InvariantCulture) > 0, "nothing given back by the first cycle:\n" + daemon.Log);
            // The second begins a period after the first finished and lasts a window.
            var first = DateTimeOffset.Parse(done[0].Groups[1].Value, CultureInfo.InvariantCulture);
            var second = DateTimeOffset.Parse(done[1].Groups[1].Value, CultureInfo.InvariantCulture);
            Assert.True(second - first >= TimeSpan.FromSeconds(PeriodSeconds + 4 - 0.5), $"second cycle {second - first} after the first:\n" + daemon.Log);
            // Still watching and answering.
            Assert.DoesNotContain("warning: working set", daemon.Log);
            var status = Sh.Run(Repo.Binary, ["status", "--socket", ConfinedConfig.ControlSocketIn(dir)], TimeSpan.FromSeconds(30));
            Assert.True(status.ExitCode == 0, status.Stderr + "\n" + daemon.Log);
            Assert.Equal(0, daemon.Stop(TimeSpan.FromSeconds(10)));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void The_switch_leaves_the_working_set_as_start_up_left_it()
    {
        string dir = TestHelpers.NewTempDirectory("oomwarden-it");
        try
        {
            using var daemon = DaemonProcess.Start(new Dictionary<string, string>
            {
                ["OOMWARDEN_NO_WORKING_SET_TRIM"] = "1",
                ["OOMWARDEN_WORKING_SET_PERIOD"] = "1",
            }, "run", "--dry-run", "--config", Config(dir));
            for (int i = 0; i < 60 && !daemon.Log.Contains("oomwarden: watching"); i++) Thread.Sleep(100);
            Assert.Contains("oomwarden: watching", daemon.Log);
            int most = 0;
            for (int i = 0; i < 60; i++)
            {
                most = Math.Max(most, ExeMappings(daemon.Pid));
                Thread.Sleep(100);
            }
            Assert.True(most < 16, $"{most} mappings of the executable with the switch set:\n" + daemon.Log);
            Assert.DoesNotContain("working set", daemon.Log);
            Assert.Equal(0, daemon.Stop(TimeSpan.FromSeconds(10)));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
