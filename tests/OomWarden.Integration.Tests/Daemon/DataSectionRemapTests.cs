using System.Text.RegularExpressions;
using OomWarden.Integration.Tests.Infrastructure;

namespace OomWarden.Integration.Tests.Daemon;

/// <summary>The file-backed data section (docs/DESIGN.md, "The data section, file-backed"), on a real daemon: at
/// start `.hydrated` is mapped from an unnamed file on disk, the working-set trim pages out what was not read, and
/// the daemon goes on watching, answering and reloading with it; OOMWARDEN_NO_WORKING_SET_TRIM leaves it anonymous.</summary>
public sealed class DataSectionRemapTests
{
    private static readonly Regex Remapped = new(@"data section: (\d+) KiB file-backed \(an unnamed file in (\S+), ");
    private static readonly Regex Trimmed = new(@"working set: \d+ KiB of read-only pages unused for \d+ s given back");

    [Fact]
    public void The_data_section_is_file_backed_and_its_unread_pages_are_given_back()
    {
        string dir = TestHelpers.NewTempDirectory("oomwarden-it");
        try
        {
            string config = new ConfinedConfig(dir, "/oomwarden-data-none").Write();
            using var daemon = DaemonProcess.Start("run", "--dry-run", "--config", config);
            // The trim waits for a quiet moment after a re-listing: on a host whose cgroups churn that can take a while.
            for (int i = 0; i < 3000 && !Trimmed.IsMatch(daemon.Log); i++) Thread.Sleep(100);
            Match m = Remapped.Match(daemon.Log);
            Assert.True(m.Success && Trimmed.IsMatch(daemon.Log), "no data-section or working-set line within 300 s:\n" + daemon.Log);
            long sectionKib = long.Parse(m.Groups[1].Value);
            Assert.True(sectionKib >= 256, $"{sectionKib} KiB: the daemon's .hydrated is over a MiB");
            Assert.DoesNotContain("warning: working set", daemon.Log);

            // One private, writable mapping of a deleted (unnamed) file in that directory, as large as the section;
            // fewer of its pages resident than it has (the trim paged out what was not read), a few written.
            var mapping = ReadMapping(daemon.Pid, m.Groups[2].Value);
            Assert.True(mapping is not null, "no mapping of an unnamed file:\n" + File.ReadAllText($"/proc/{daemon.Pid}/maps"));
            var (sizeKib, rssKib, anonKib) = mapping!.Value;
            Assert.Equal(sectionKib, sizeKib);
            Assert.True(rssKib < sizeKib, $"{rssKib} of {sizeKib} KiB resident after the trim");
            Assert.True(anonKib < sizeKib / 2, $"{anonKib} KiB written: the data section is mostly read-only");

            // Still watching, answering and reloading (the reload reads the config, builds a policy: many types).
            var status = Sh.Run(Repo.Binary, ["status", "--socket", ConfinedConfig.ControlSocketIn(dir)], TimeSpan.FromSeconds(30));
            Assert.True(status.ExitCode == 0, status.Stderr + "\n" + daemon.Log);
            Assert.Equal(0, Signals.Send(daemon.Pid, 1)); // SIGHUP
            for (int i = 0; i < 300 && !daemon.Log.Contains("reload: "); i++) Thread.Sleep(100);
            Assert.Contains("applied at a tick boundary", daemon.Log);
            status = Sh.Run(Repo.Binary, ["status", "--socket", ConfinedConfig.ControlSocketIn(dir)], TimeSpan.FromSeconds(30));
            Assert.True(status.ExitCode == 0, status.Stderr + "\n" + daemon.Log);
            Assert.Equal(0, daemon.Stop(TimeSpan.FromSeconds(10)));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void The_switch_leaves_the_data_section_anonymous()
    {
        string dir = TestHelpers.NewTempDirectory("oomwarden-it");
        try
        {
            string config = new ConfinedConfig(dir, "/oomwarden-data-none").Write();
            using var daemon = DaemonProcess.Start(new Dictionary<string, string> { ["OOMWARDEN_NO_WORKING_SET_TRIM"] = "1" }, "run", "--dry-run", "--config", config);
            for (int i = 0; i < 300 && !daemon.Log.Contains("watching"); i++) Thread.Sleep(100);
            Assert.Contains("watching", daemon.Log);
            Assert.DoesNotContain("data section", daemon.Log);
            Assert.DoesNotContain("(deleted)", File.ReadAllText($"/proc/{daemon.Pid}/maps"));
            Assert.Equal(0, daemon.Stop(TimeSpan.FromSeconds(10)));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>Size, Rss and Anonymous (KiB) of the daemon's rw-p mapping of a deleted file under
    /// <paramref name="directory"/>.</summary>
    private static (long SizeKib, long RssKib, long AnonKib)? ReadMapping(int pid, string directory)
    {
        bool inside = false;
        long size = 0, rss = 0, anon = 0;
        foreach (var line in File.ReadLines($"/proc/{pid}/smaps"))
        {
            if (Regex.IsMatch(line, "^[0-9a-f]+-[0-9a-f]+ "))
            {
                if (inside) return (size, rss, anon);
                var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                inside = f.Length >= 7 && f[1] == "rw-p" && f[5].StartsWith(directory.TrimEnd('/') + "/#") && line.EndsWith(" (deleted)");
                if (inside)
                {
                    var r = f[0].Split('-');
                    size = (long)((Convert.ToUInt64(r[1], 16) - Convert.ToUInt64(r[0], 16)) / 1024);
                }
                continue;
            }
            if (!inside) continue;
            if (line.StartsWith("Rss:")) rss = long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]);
            if (line.StartsWith("Anonymous:")) anon = long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]);
        }
        return inside ? (size, rss, anon) : null;
    }
}
