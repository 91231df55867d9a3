using System.Text.RegularExpressions;
using OomWarden.Integration.Tests.Infrastructure;

namespace OomWarden.Integration.Tests.Daemon;

/// <summary>The start-up working-set trim (docs/DESIGN.md, "The working set by the accessed bit"), on a real daemon:
/// a second after start it gives back read-only pages that start-up mapped and nothing used since, merges its
/// page-by-page mappings back, and goes on watching; with OOMWARDEN_NO_WORKING_SET_TRIM it does none of it.</summary>
public sealed class WorkingSetTrimTests
{
    private static readonly Regex Done = new(@"working set: (\d+) KiB of read-only pages unused since start given back \((\d+) pages checked");

    [Fact]
    public void A_second_after_start_unused_pages_are_given_back_and_the_mappings_merged()
    {
        string dir = TestHelpers.NewTempDirectory("oomwarden-it");
        try
        {
            string config = new ConfinedConfig(dir, "/oomwarden-trim-none").Write();
            using var daemon = DaemonProcess.Start("run", "--dry-run", "--config", config);
            Match m = Match.Empty;
            for (int i = 0; i < 600 && !(m = Done.Match(daemon.Log)).Success; i++) Thread.Sleep(100);
            Assert.True(m.Success, "no working-set line within 60 s:\n" + daemon.Log);
            long droppedKib = long.Parse(m.Groups[1].Value);
            int pagesChecked = int.Parse(m.Groups[2].Value);
            Assert.True(droppedKib > 0, "nothing given back:\n" + daemon.Log);
            Assert.True(droppedKib < pagesChecked * 4L, $"{droppedKib} KiB dropped of {pagesChecked} pages: the used ones must stay");
            // Merged back: the split made one mapping per page (over a thousand); afterwards the executable has its
            // few segments again.
            string exe = File.ResolveLinkTarget($"/proc/{daemon.Pid}/exe", returnFinalTarget: false)!.FullName;
            int exeMappings = File.ReadAllLines($"/proc/{daemon.Pid}/maps").Count(l => l.EndsWith(" " + exe));
            Assert.True(exeMappings < 16, $"{exeMappings} mappings of {exe} after the trim:\n" + File.ReadAllText($"/proc/{daemon.Pid}/maps"));
            Assert.DoesNotContain("warning: working set", daemon.Log);
            // Still watching and answering.
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
            string config = new ConfinedConfig(dir, "/oomwarden-trim-none").Write();
            using var daemon = DaemonProcess.Start(new Dictionary<string, string> { ["OOMWARDEN_NO_WORKING_SET_TRIM"] = "1" }, "run", "--dry-run", "--config", config);
            Thread.Sleep(3000);
            Assert.DoesNotContain("working set", daemon.Log);
            Assert.Equal(0, daemon.Stop(TimeSpan.FromSeconds(10)));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
