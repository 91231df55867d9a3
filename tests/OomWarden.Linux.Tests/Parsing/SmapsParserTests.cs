using System.Text;
using OomWarden.Linux.Actions;
using OomWarden.Linux.Parsing;

namespace OomWarden.Linux.Tests.Parsing;

public class SmapsParserTests
{
    // Shortened from /proc/PID/smaps of the daemon on this host (kernel 6.18).
    private const string Sample = """
        556eadfb4000-556eae264000 r-xp 0000b000 fe:00 5333716                    /usr/local/sbin/oomwarden
        Size:               2752 kB
        Rss:                2504 kB
        Anonymous:             0 kB
        Locked:             2504 kB
        VmFlags: rd ex mr mw me lo
        556eae34e000-556eae41f000 r--p 003a5000 fe:00 5333716                    /usr/local/sbin/oomwarden
        Rss:                 172 kB
        Anonymous:            12 kB
        556eae421000-556eae42c000 rw-p 00477000 fe:00 5333716                    /usr/local/sbin/oomwarden
        Rss:                  44 kB
        Anonymous:            36 kB
        556eae42c000-556eae540000 rw-p 00000000 00:00 0 
        Rss:                1052 kB
        Anonymous:          1052 kB
        7fee70d2d000-7fee70e83000 r-xp 00026000 fe:00 332096                     /usr/lib/x86_64-linux-gnu/libc.so.6
        Rss:                1100 kB
        Anonymous:             0 kB
        7fee70e90000-7fee70e91000 r--s 00000000 fe:00 4242                       /var/lib/some (deleted)
        Rss:                   4 kB
        Anonymous:             0 kB
        7fee70e95000-7fee70e99000 r--p 00000000 fe:00 4243                       /usr/lib/locale/C.utf8/LC_CTYPE
        Rss:                   0 kB
        Anonymous:             0 kB
        7fee70fdb000-7fee70fdd000 r-xp 00000000 00:00 0                          [vdso]
        Rss:                   8 kB
        Anonymous:             0 kB
        7fffea44b000-7fffea46c000 rw-p 00000000 00:00 0                          [stack]
        Rss:                  16 kB
        Anonymous:            16 kB

        """;

    private static List<SmapsMapping> ParseAll(string text)
    {
        ReadOnlySpan<byte> span = Encoding.UTF8.GetBytes(text);
        var list = new List<SmapsMapping>();
        while (SmapsParser.TryParseNext(ref span, out var m)) list.Add(m);
        return list;
    }

    [Fact]
    public void Parses_every_mapping_with_its_counters()
    {
        var maps = ParseAll(Sample);
        Assert.Equal(9, maps.Count);
        var text = maps[0];
        Assert.Equal(0x556eadfb4000UL, text.StartAddress);
        Assert.Equal(0x556eae264000UL, text.EndAddress);
        Assert.Equal(2752UL * 1024, text.LengthBytes);
        Assert.True(text.Executable);
        Assert.False(text.Writable);
        Assert.True(text.FileBacked);
        Assert.Equal(2504, text.RssKib);
        Assert.Equal(0, text.AnonymousKib);
        Assert.Equal(2504, text.LockedKib);
        Assert.Equal(5333716UL, text.Inode);
        Assert.Equal(0UL, maps[3].Inode);
        Assert.Equal(12, maps[1].AnonymousKib);
        Assert.False(maps[3].FileBacked);        // .bss: anonymous
        Assert.True(maps[5].Shared);
        Assert.False(maps[7].FileBacked);        // [vdso]
        Assert.True(maps[8].Writable);
    }

    [Fact]
    public void Trim_targets_only_read_only_private_file_pages_without_anonymous_ones()
    {
        var targets = StartupTrim.Targets(Encoding.UTF8.GetBytes(Sample));
        // The executable's text and libc's text; not RELRO with anonymous pages, not .data, not .bss, not a
        // shared mapping, not an empty one, not [vdso] or the stack.
        Assert.Equal([0x556eadfb4000UL, 0x7fee70d2d000UL], targets.Select(t => t.StartAddress).ToArray());
    }

    [Fact]
    public void Executable_targets_are_the_mappings_of_the_file_holding_the_code_address()
    {
        const string secondMapping = """
            7fee70f00000-7fee70f10000 r--p 00000000 fe:00 5333716                    /usr/local/sbin/oomwarden
            Rss:                  16 kB
            Anonymous:             0 kB

            """;
        var targets = StartupTrim.Targets(Encoding.UTF8.GetBytes(Sample + secondMapping));
        Assert.Equal([0x556eadfb4000UL, 0x7fee70f00000UL],
            StartupTrim.ExecutableTargets(targets, 0x556eadfb4000UL + 0x1234).Select(t => t.StartAddress).ToArray());
        // An address in libc's code names libc; one in no target names nothing (nothing is evicted).
        Assert.Equal([0x7fee70d2d000UL], StartupTrim.ExecutableTargets(targets, 0x7fee70d2d000UL).Select(t => t.StartAddress).ToArray());
        Assert.Empty(StartupTrim.ExecutableTargets(targets, 0x1000));
    }

    [Theory]
    [InlineData("")]
    [InlineData("not a header\nRss: 4 kB\n")]
    [InlineData("556eadfb4000-556eadfa0000 r-xp 0 fe:00 1 /bin/x\n")]   // end before start
    [InlineData("zz-556eadfb4000 r-xp 0 fe:00 1 /bin/x\n")]
    [InlineData("556eadfb4000-556eae264000 r-x 0 fe:00 1 /bin/x\n")]    // three permission letters
    public void Malformed_header_ends_the_walk(string text)
    {
        Assert.Empty(ParseAll(text));
    }

    [Fact]
    public void Own_smaps_parses_and_has_the_executable_text()
    {
        var maps = ParseAll(File.ReadAllText("/proc/self/smaps"));
        Assert.True(maps.Count > 10);
        Assert.Contains(maps, m => m.FileBacked && m.Executable && m.RssKib > 0);
        Assert.Contains(maps, m => !m.FileBacked && m.Writable && m.AnonymousKib > 0);
    }
}
