using OomWarden.Linux.Interop;
using OomWarden.Linux.IO;
using OomWarden.Linux.Interop.Process;
using OomWarden.Linux.Parsing;

namespace OomWarden.Linux.Actions;

/// <summary>What <see cref="StartupTrim.Apply"/> did: the mappings trimmed, the KiB they had resident, and a
/// warning when something failed (the daemon runs on either way). <see cref="Executable"/> is what
/// <see cref="StartupTrim.Refill"/> needs to put the executable back in the page cache.</summary>
public readonly record struct TrimResult(int Mappings, long DroppedKib, string? Warning)
{
    public EvictedExecutable? Executable { get; init; }
}

/// <summary>The executable's read-only mappings while its cold pages are out of the page cache: a descriptor on
/// the file and the ranges set to MADV_RANDOM.</summary>
public sealed class EvictedExecutable(int fd, List<SmapsMapping> mappings)
{
    public int Fd { get; } = fd;
    public List<SmapsMapping> Mappings { get; } = mappings;
}

/// <summary>Drops the pages that start-up left in the daemon's read-only file mappings (its own code and
/// constant data, libc, libm, ld.so): the configuration loader, Tomlyn, the CLI, the runtime's start-up.
/// Whatever runs afterwards faults its pages back in from the page cache, and mlockall(MCL_FUTURE |
/// MCL_ONFAULT) locks them again: what stays locked is what the daemon uses, not what it once used.</summary>
/// <remarks>Only private mappings without a writable permission and without anonymous pages are touched:
/// MADV_DONTNEED on them gives back the file's own bytes, which is what they hold. A mapping with anonymous
/// pages (RELRO after relocation) or a writable one keeps everything. madvise refuses locked ranges, so when
/// the daemon is locked the trim runs between munlockall and a new mlockall.
/// With <c>evictExecutable</c>, the executable's own pages also leave the page cache (posix_fadvise
/// DONTNEED, its mappings MADV_RANDOM): the kernel maps up to 16 neighbouring cached pages on every fault
/// (fault-around), so while the file is cached one touched function keeps 64 KiB resident. Out of the
/// cache, each fault reads and maps its one page. <see cref="Refill"/> reads the file back into the cache
/// (unmapped) once the daemon's working set is mapped again.</remarks>
public static class StartupTrim
{
    public static unsafe TrimResult Apply(string selfSmapsPath, string? selfExePath = null)
    {
        if (!MappedText.TryRead(selfSmapsPath, out var smaps, out int readErrno))
            return new TrimResult(0, 0, $"start-up pages not trimmed: cannot read {selfSmapsPath}: {Errno.Describe(readErrno)}");
        List<SmapsMapping> targets;
        using (smaps) targets = Targets(smaps.Span);
        if (targets.Count == 0) return new TrimResult(0, 0, null);
        // The executable's mappings: those of the file that holds this very method's code.
        delegate*<string, string?, TrimResult> self = &Apply;
        var executable = ExecutableTargets(targets, (ulong)self);

        int trimmed = 0;
        long droppedKib = 0;
        string? warning = null;
        EvictedExecutable? evicted = null;
        bool ran = Mlock.WhileUnlocked(() =>
        {
            foreach (var m in targets)
            {
                if (Madvise.TryAdvise(m.StartAddress, m.LengthBytes, Madvise.DontNeed, out int errno))
                {
                    trimmed++;
                    droppedKib += m.RssKib;
                }
                else warning ??= $"start-up pages not all trimmed: madvise(MADV_DONTNEED) {m.StartAddress:x}-{m.EndAddress:x}: {Errno.Describe(errno)}";
            }
            if (selfExePath is not null && executable.Count > 0) evicted = Evict(selfExePath, executable, ref warning);
        }, out string? lockWarning);
        if (!ran) return new TrimResult(0, 0, "start-up pages not trimmed: " + lockWarning);
        return new TrimResult(trimmed, droppedKib, lockWarning ?? warning) { Executable = evicted };
    }

    /// <summary>Puts the executable's file back in the page cache and its mappings back to normal read-ahead;
    /// closes the descriptor. Nothing to do when <see cref="Apply"/> did not evict it.</summary>
    public static void Refill(TrimResult trim)
    {
        if (trim.Executable is not { } exe) return;
        foreach (var m in exe.Mappings) Madvise.TryAdvise(m.StartAddress, m.LengthBytes, Madvise.Normal, out _);
        Madvise.FileAdvise(exe.Fd, Madvise.FadviseWillNeed);
        RawFile.Close(exe.Fd);
    }

    private static EvictedExecutable? Evict(string exePath, List<SmapsMapping> executable, ref string? warning)
    {
        if (!RawFile.TryOpen(exePath, RawFile.ORdOnly, out int fd, out int errno))
        {
            warning ??= $"executable not evicted from the page cache: open {exePath}: {Errno.Describe(errno)}";
            return null;
        }
        var mine = new List<SmapsMapping>();
        foreach (var m in executable)
            if (Madvise.TryAdvise(m.StartAddress, m.LengthBytes, Madvise.Random, out _)) mine.Add(m);
        int r = Madvise.FileAdvise(fd, Madvise.FadviseDontNeed);
        if (r != 0) warning ??= $"executable not evicted from the page cache: posix_fadvise: {Errno.Describe(r)}";
        return new EvictedExecutable(fd, mine);
    }

    /// <summary>The targets that map the same file as the one holding <paramref name="codeAddress"/> (none when
    /// no target holds it).</summary>
    public static List<SmapsMapping> ExecutableTargets(List<SmapsMapping> targets, ulong codeAddress)
    {
        ulong inode = 0;
        foreach (var m in targets)
            if (m.StartAddress <= codeAddress && codeAddress < m.EndAddress) inode = m.Inode;
        var list = new List<SmapsMapping>();
        if (inode != 0)
            foreach (var m in targets)
                if (m.Inode == inode) list.Add(m);
        return list;
    }

    /// <summary>The mappings worth trimming: file-backed, private, not writable, no anonymous page, something resident.</summary>
    public static List<SmapsMapping> Targets(ReadOnlySpan<byte> smaps)
    {
        var list = new List<SmapsMapping>();
        while (SmapsParser.TryParseNext(ref smaps, out var m))
            if (m.FileBacked && !m.Writable && !m.Shared && m.AnonymousKib == 0 && m.RssKib > 0) list.Add(m);
        return list;
    }
}
