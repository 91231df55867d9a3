using OomWarden.Linux.Interop;
using OomWarden.Linux.Interop.Process;
using OomWarden.Linux.Parsing;

namespace OomWarden.Linux.Actions;

/// <summary>What <see cref="StartupTrim.Apply"/> did: the mappings trimmed, the KiB they had resident, and a
/// warning when something failed (the daemon runs on either way).</summary>
public readonly record struct TrimResult(int Mappings, long DroppedKib, string? Warning);

/// <summary>Drops the pages that start-up left in the daemon's read-only file mappings (its own code and
/// constant data, libc, libm, ld.so): the configuration loader, Tomlyn, the CLI, the runtime's start-up.
/// Whatever runs afterwards faults its pages back in from the page cache, and mlockall(MCL_FUTURE |
/// MCL_ONFAULT) locks them again: what stays locked is what the daemon uses, not what it once used.</summary>
/// <remarks>Only private mappings without a writable permission and without anonymous pages are touched:
/// MADV_DONTNEED on them gives back the file's own bytes, which is what they hold. A mapping with anonymous
/// pages (RELRO after relocation) or a writable one keeps everything. madvise refuses locked ranges, so when
/// the daemon is locked the trim runs between munlockall and a new mlockall.</remarks>
public static class StartupTrim
{
    public static TrimResult Apply(string selfSmapsPath)
    {
        byte[] smaps;
        try
        {
            smaps = File.ReadAllBytes(selfSmapsPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new TrimResult(0, 0, $"start-up pages not trimmed: cannot read {selfSmapsPath}: {e.Message}");
        }
        var targets = Targets(smaps);
        if (targets.Count == 0) return new TrimResult(0, 0, null);

        bool relock = Mlock.IsLocked;
        if (relock && !Mlock.TryUnlockAll(out int unlockErrno))
            return new TrimResult(0, 0, $"start-up pages not trimmed: munlockall: {Errno.Describe(unlockErrno)}");
        int trimmed = 0;
        long droppedKib = 0;
        string? warning = null;
        try
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
        }
        finally
        {
            if (relock && Mlock.TryLockAll() is { } lockError) warning = lockError;
        }
        return new TrimResult(trimmed, droppedKib, warning);
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
