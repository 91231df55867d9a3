using System.Text;
using OomWarden.Linux.Actions;
using OomWarden.Linux.Parsing;

namespace OomWarden.Linux.Tests.Actions;

public class WorkingSetTrimTests
{
    // The executable's text after the split: one mapping per page (alternating VmFlags rr), as smaps shows it.
    private const string Split = """
        556e00000000-556e00001000 r-xp 0000b000 fe:00 5333716                    /usr/sbin/oomwardend
        Rss:                   4 kB
        Referenced:            4 kB
        Anonymous:             0 kB
        556e00001000-556e00002000 r-xp 0000c000 fe:00 5333716                    /usr/sbin/oomwardend
        Rss:                   4 kB
        Referenced:            0 kB
        Anonymous:             0 kB
        556e00002000-556e00003000 r-xp 0000d000 fe:00 5333716                    /usr/sbin/oomwardend
        Rss:                   4 kB
        Referenced:            0 kB
        Anonymous:             0 kB
        556e00003000-556e00004000 r-xp 0000e000 fe:00 5333716                    /usr/sbin/oomwardend
        Rss:                   0 kB
        Referenced:            0 kB
        Anonymous:             0 kB
        556e00004000-556e00005000 r-xp 0000f000 fe:00 5333716                    /usr/sbin/oomwardend
        Rss:                   4 kB
        Referenced:            0 kB
        Anonymous:             0 kB
        556e00005000-556e00006000 r-xp 00010000 fe:00 5333716                    /usr/sbin/oomwardend
        Rss:                   4 kB
        Referenced:            4 kB
        Anonymous:             0 kB
        556e00006000-556e00008000 rw-p 00011000 fe:00 5333716                    /usr/sbin/oomwardend
        Rss:                   8 kB
        Referenced:            0 kB
        Anonymous:             8 kB
        7fee70d2d000-7fee70d2f000 r-xp 00026000 fe:00 332096                     /usr/lib/x86_64-linux-gnu/libc.so.6
        Rss:                   8 kB
        Referenced:            0 kB
        Anonymous:             0 kB

        """;

    private static readonly List<SmapsMapping> Targets =
    [
        new(0x556e00000000, 0x556e00006000, Writable: false, Executable: true, Shared: false, FileBacked: true, RssKib: 24, AnonymousKib: 0, LockedKib: 24),
    ];

    [Fact]
    public void Parser_reads_the_referenced_kib()
    {
        ReadOnlySpan<byte> span = Encoding.UTF8.GetBytes(Split);
        Assert.True(SmapsParser.TryParseNext(ref span, out var first));
        Assert.Equal(4, first.ReferencedKib);
        Assert.True(SmapsParser.TryParseNext(ref span, out var second));
        Assert.Equal(0, second.ReferencedKib);
        Assert.Equal(4, second.RssKib);
    }

    [Fact]
    public void Drops_resident_unreferenced_pages_of_the_targets_only_joining_neighbours()
    {
        var ranges = WorkingSetTrim.Unreferenced(Encoding.UTF8.GetBytes(Split), Targets).Drop;
        // Pages 1-2 joined; page 3 is not resident; page 4 alone; the referenced pages 0 and 5 stay; the writable
        // mapping and libc (not a target) are left alone.
        Assert.Equal([(0x556e00001000UL, 0x556e00003000UL), (0x556e00004000UL, 0x556e00005000UL)], ranges);
    }

    [Fact]
    public void Nothing_is_dropped_when_every_resident_page_was_used()
    {
        string used = Split.Replace("Referenced:            0 kB", "Referenced:            4 kB");
        Assert.Empty(WorkingSetTrim.Unreferenced(Encoding.UTF8.GetBytes(used), Targets).Drop);
    }

    [Fact]
    public void An_unsplit_mapping_is_dropped_only_when_none_of_it_was_used()
    {
        // A split that failed part-way (vm.max_map_count) leaves a mapping of several pages: its Referenced is the
        // sum, so any used page keeps all of it.
        const string unsplit = """
            556e00000000-556e00006000 r-xp 0000b000 fe:00 5333716                    /usr/sbin/oomwardend
            Rss:                  24 kB
            Referenced:            4 kB
            Anonymous:             0 kB

            """;
        Assert.Empty(WorkingSetTrim.Unreferenced(Encoding.UTF8.GetBytes(unsplit), Targets).Drop);
        Assert.Single(WorkingSetTrim.Unreferenced(Encoding.UTF8.GetBytes(unsplit.Replace("Referenced:            4 kB", "Referenced:            0 kB")), Targets).Drop);
    }

    [Fact]
    public void A_later_cycle_drops_only_the_single_page_mappings_of_the_pages_it_checked()
    {
        // Pages 1, 2 and 4 are resident and unreferenced; only 2 and 4 came back since the last finish (checked).
        ulong[] checkedPages = [0x556e00002000, 0x556e00004000];
        var ranges = WorkingSetTrim.Unreferenced(Encoding.UTF8.GetBytes(Split), Targets, checkedPages: checkedPages).Drop;
        Assert.Equal([(0x556e00002000UL, 0x556e00003000UL), (0x556e00004000UL, 0x556e00005000UL)], ranges);

        // A mapping of several pages (not split: what the last window kept) is never dropped by a later cycle, even
        // unreferenced: it may hold the rehearsed crossing path.
        const string unsplit = """
            556e00000000-556e00006000 r-xp 0000b000 fe:00 5333716                    /usr/sbin/oomwardend
            Rss:                  24 kB
            Referenced:            0 kB
            Anonymous:             0 kB

            """;
        Assert.Empty(WorkingSetTrim.Unreferenced(Encoding.UTF8.GetBytes(unsplit), Targets, checkedPages: [0x556e00000000]).Drop);
    }

    [Fact]
    public void Counts_every_mapping_it_reads_while_split()
    {
        int mappings = WorkingSetTrim.Unreferenced(Encoding.UTF8.GetBytes(Split), Targets).Mappings;
        Assert.Equal(8, mappings);
    }

    [Fact]
    public void Counts_the_mappings_of_a_maps_file_and_minus_one_for_none()
    {
        string path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, "556e00000000-556e00001000 r-xp 0000b000 fe:00 5333716 /usr/sbin/oomwardend\n"
                + "7ffd1c2a3000-7ffd1c2c4000 rw-p 00000000 00:00 0                          [stack]\n");
            Assert.Equal(2, WorkingSetTrim.CountMappings(path));
        }
        finally
        {
            File.Delete(path);
        }
        Assert.Equal(-1, WorkingSetTrim.CountMappings(path));
        Assert.True(WorkingSetTrim.CountMappings("/proc/self/maps") > 4);
    }

    [Fact]
    public void While_unlocked_runs_the_body_and_relocks_only_what_was_locked()
    {
        // The test host is not locked (no mlockall): the body runs, nothing is unlocked or locked around it.
        Assert.False(OomWarden.Linux.Interop.Process.Mlock.IsLocked);
        int runs = 0;
        Assert.True(OomWarden.Linux.Interop.Process.Mlock.WhileUnlocked(() => runs++, out string? warning));
        Assert.Equal(1, runs);
        Assert.Null(warning);
        Assert.False(OomWarden.Linux.Interop.Process.Mlock.IsLocked);
    }
}
