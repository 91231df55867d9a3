using System.Text;
using OomWarden.Linux.Actions;
using OomWarden.Linux.Parsing;

namespace OomWarden.Linux.Tests.Actions;

/// <summary>The file-backed data section in the working-set trim: its unread file pages are paged out (never
/// MADV_DONTNEED: the mapping is writable), its written (anonymous) pages and read pages stay.</summary>
public class DataSectionTrimTests
{
    // A read-only text page (unused), then the data section split page by page: read, unread, written, unread,
    // not resident; then a writable file mapping outside the data section (unused: not touched either).
    private const string Smaps = """
        556e00000000-556e00001000 r-xp 0000b000 fe:00 5333716                    /usr/lib/oomwarden/oomwardend
        Rss:                   4 kB
        Referenced:            0 kB
        Anonymous:             0 kB
        556e00100000-556e00101000 rw-p 00000000 fe:00 409994                     /var/tmp/#409994 (deleted)
        Rss:                   4 kB
        Referenced:            4 kB
        Anonymous:             0 kB
        556e00101000-556e00102000 rw-p 00001000 fe:00 409994                     /var/tmp/#409994 (deleted)
        Rss:                   4 kB
        Referenced:            0 kB
        Anonymous:             0 kB
        556e00102000-556e00103000 rw-p 00002000 fe:00 409994                     /var/tmp/#409994 (deleted)
        Rss:                   4 kB
        Referenced:            0 kB
        Anonymous:             4 kB
        556e00103000-556e00104000 rw-p 00003000 fe:00 409994                     /var/tmp/#409994 (deleted)
        Rss:                   4 kB
        Referenced:            0 kB
        Anonymous:             0 kB
        556e00104000-556e00105000 rw-p 00004000 fe:00 409994                     /var/tmp/#409994 (deleted)
        Rss:                   0 kB
        Referenced:            0 kB
        Anonymous:             0 kB
        556e00200000-556e00201000 rw-p 00000000 fe:00 777                        /var/lib/other.db
        Rss:                   4 kB
        Referenced:            0 kB
        Anonymous:             0 kB

        """;

    private static readonly DataSectionRemapResult Data = new(0x556e00100000, 0x556e00105000, "/var/tmp", null);

    [Fact]
    public void Unread_file_pages_of_the_data_section_are_paged_out_written_and_read_ones_stay()
    {
        ReadOnlySpan<byte> smaps = Encoding.UTF8.GetBytes(Smaps);
        var targets = StartupTrim.Targets(smaps);
        WorkingSetTrim.AddDataMappings(smaps, Data, targets);
        Assert.Equal(6, targets.Count); // the text page and the five data pages; not the other writable file
        var (drop, pageOut, _) = WorkingSetTrim.Unreferenced(smaps, targets, Data);
        Assert.Equal([(0x556e00000000ul, 0x556e00001000ul)], drop);
        Assert.Equal([(0x556e00101000ul, 0x556e00102000ul), (0x556e00103000ul, 0x556e00104000ul)], pageOut);
    }

    [Fact]
    public void Without_a_remapped_data_section_nothing_writable_is_touched()
    {
        ReadOnlySpan<byte> smaps = Encoding.UTF8.GetBytes(Smaps);
        var targets = StartupTrim.Targets(smaps);
        WorkingSetTrim.AddDataMappings(smaps, default, targets);
        Assert.Single(targets);
        var (drop, pageOut, _) = WorkingSetTrim.Unreferenced(smaps, targets);
        Assert.Single(drop);
        Assert.Empty(pageOut);
    }
}
