using OomWarden.Linux.Interop;
using OomWarden.Linux.IO;
using OomWarden.Linux.Interop.Process;
using OomWarden.Linux.Parsing;

namespace OomWarden.Linux.Actions;

/// <summary>What <see cref="WorkingSetTrim.Finish"/> did: KiB dropped, the process's mappings while split and after the
/// merge (−1: not known), and a warning when something failed.</summary>
public readonly record struct TrimOutcome(long DroppedKib, int SplitMappings, int MergedMappings, string? Warning);

/// <summary>Gives back the read-only file pages that fault-around mapped but the daemon never touches. On every
/// fault in a file mapping the kernel maps up to 16 neighbouring cached pages (64 KiB), and since kernel 6.16 a
/// fault in executable code reads a whole read-ahead window whatever MADV_RANDOM says, so a few hot functions keep
/// their neighbourhood resident (and locked). The accessed bit tells the pages apart: <see cref="Begin"/> (after
/// the start-up rehearsal) splits each read-only file mapping into one mapping per page, so that
/// /proc/self/smaps reports <c>Referenced:</c> per page, and clears the accessed bits (/proc/self/clear_refs);
/// the caller runs the rehearsal again; <see cref="Finish"/> (after an idle window) drops every resident page not
/// accessed since, and merges the mappings back. A page dropped and needed later refaults from the page cache.</summary>
/// <remarks>Splitting alternates MADV_RANDOM and MADV_NORMAL page by page (two neighbouring mappings with the
/// same flags would merge); MADV_NORMAL over the whole range merges them again. madvise(MADV_DONTNEED) refuses
/// locked ranges, so <see cref="Finish"/> runs between munlockall and a new mlockall(MCL_ONFAULT), which locks
/// only what is still resident. Only mappings without anonymous pages are touched: they hold the file's bytes.
/// The smaps text (~1 KiB per page while split) is read into anonymous memory of its own (<see cref="MappedText"/>).</remarks>
public sealed class WorkingSetTrim
{
    /// <summary>No more pages than this are split (one mapping each; vm.max_map_count is 65,530 by default).</summary>
    public const int MaxPages = 16384;

    private const ulong PageBytes = 4096;

    /// <summary>madvise(2) MADV_SEQUENTIAL: a third set of flags, so that two neighbouring pages split off from a
    /// mapping (one MADV_RANDOM) do not merge either.</summary>
    private const int Sequential = 2;

    private readonly List<SmapsMapping> _targets;
    private readonly DataSectionRemapResult _data;
    private readonly ulong[]? _checked;

    private WorkingSetTrim(List<SmapsMapping> targets, DataSectionRemapResult data, ulong[]? checkedPages)
    {
        _targets = targets;
        _data = data;
        _checked = checkedPages;
    }

    /// <summary>Pages split and observed: every page of the targets, or (a later cycle) the ones mapped again since
    /// the last finish.</summary>
    public int Pages { get; private set; }

    /// <summary>True when only the pages mapped again since the last finish are observed.</summary>
    public bool OnlyRegrown => _checked is not null;

    /// <summary>The targets' present pages after <see cref="Finish"/> (ascending; null: not read): what the next cycle
    /// leaves alone.</summary>
    public ulong[]? Kept { get; private set; }

    /// <summary>Splits the read-only file mappings of <paramref name="smapsPath"/> page by page and clears the
    /// accessed bits through <paramref name="clearRefsPath"/>. Null (with a warning) when nothing could be done.</summary>
    public static WorkingSetTrim? Begin(string smapsPath, string clearRefsPath, out string? warning) =>
        Begin(smapsPath, clearRefsPath, null, null, out warning);

    /// <summary>As above; with <paramref name="kept"/> (the <see cref="Kept"/> of the last finish) only the pages
    /// mapped now (<paramref name="pagemapPath"/>) and not kept then are split and observed: what the last window
    /// kept was in use, and the path a crossing takes was rehearsed inside the first one. Null without a warning
    /// when nothing came back.</summary>
    public static WorkingSetTrim? Begin(string smapsPath, string clearRefsPath, string? pagemapPath, ulong[]? kept, out string? warning)
    {
        warning = null;
        // Before the split smaps is ~1 KiB per mapping (~70): a managed buffer, gone with the next gen0 collection. A
        // MappedText's munmap flushes the TLB of every CPU the daemon's threads ran on, which took 7 ms here (a VM).
        byte[] buffer = new byte[64 << 10];
        int n = NativeRead.ReadFile(smapsPath, ref buffer, MappedText.CapacityBytes, out bool truncated);
        if (n < 0 || truncated)
        {
            warning = $"working set not trimmed: cannot read {smapsPath}: {(n < 0 ? Errno.Describe(-n) : "too long")}";
            return null;
        }
        int errno;
        var smaps = new ReadOnlySpan<byte>(buffer, 0, n);
        var targets = StartupTrim.Targets(smaps);
        var data = DataSectionRemap.Current;
        if (data.Applied) AddDataMappings(smaps, data, targets);
        if (targets.Count == 0) return null;
        if (kept is not null && pagemapPath is not null)
        {
            if (!ResidentPages.TryRead(pagemapPath, targets, out var present, out errno))
            {
                warning = $"working set not trimmed: cannot read {pagemapPath}: {Errno.Describe(errno)}";
                return null;
            }
            var regrown = ResidentPages.Since(present, kept);
            if (regrown.Count == 0 || regrown.Count > MaxPages) return null;
            var partial = new WorkingSetTrim(targets, data, regrown.ToArray()) { Pages = regrown.Count };
            SplitPages(regrown);
            return partial.ClearReferences(clearRefsPath, out warning);
        }
        long pages = 0;
        foreach (var m in targets) pages += (long)(m.LengthBytes / PageBytes);
        if (pages > MaxPages) return null;
        var trim = new WorkingSetTrim(targets, data, null) { Pages = (int)pages };
        foreach (var m in targets)
            for (ulong a = m.StartAddress + PageBytes; a < m.EndAddress; a += 2 * PageBytes)
                Madvise.TryAdvise(a, PageBytes, Madvise.Random, out _);
        return trim.ClearReferences(clearRefsPath, out warning);
    }

    /// <summary>Gives each page of <paramref name="pages"/> (ascending) a mapping of its own: MADV_RANDOM, or
    /// MADV_SEQUENTIAL right after a MADV_RANDOM neighbour; the pages between keep their flags.</summary>
    private static void SplitPages(List<ulong> pages)
    {
        int previous = Madvise.Normal;
        for (int i = 0; i < pages.Count; i++)
        {
            bool follows = i > 0 && pages[i - 1] + PageBytes == pages[i];
            int advice = follows && previous == Madvise.Random ? Sequential : Madvise.Random;
            Madvise.TryAdvise(pages[i], PageBytes, advice, out _);
            previous = advice;
        }
    }

    private WorkingSetTrim? ClearReferences(string clearRefsPath, out string? warning)
    {
        warning = null;
        if (RawFile.TryWriteFile(clearRefsPath, "1"u8, out int errno)) return this;
        Merge();
        warning = $"working set not trimmed: cannot write {clearRefsPath}: {Errno.Describe(errno)}";
        return null;
    }

    /// <summary>Drops the resident pages of the split mappings that were not accessed since <see cref="Begin"/>,
    /// merges the mappings back and locks what stays. Returns the KiB dropped, the process's mappings while split
    /// (about one per page) and after the merge (−1 when /proc/self/maps could not be read), and a warning, if any.</summary>
    public TrimOutcome Finish(string smapsPath, string mapsPath) => Finish(smapsPath, mapsPath, null);

    /// <summary>As above; with <paramref name="pagemapPath"/> the targets' present pages after the merge are read
    /// into <see cref="Kept"/>.</summary>
    public TrimOutcome Finish(string smapsPath, string mapsPath, string? pagemapPath)
    {
        var outcome = Drop(smapsPath, mapsPath);
        if (pagemapPath is not null && ResidentPages.TryRead(pagemapPath, _targets, out var present, out _)) Kept = present;
        return outcome;
    }

    private TrimOutcome Drop(string smapsPath, string mapsPath)
    {
        if (!MappedText.TryRead(smapsPath, out var smaps, out int errno))
        {
            Merge();
            return new TrimOutcome(0, -1, CountMappings(mapsPath), $"working set not trimmed: cannot read {smapsPath}: {Errno.Describe(errno)}");
        }
        List<(ulong Start, ulong End)> drop, pageOut;
        int split;
        using (smaps)
        {
            var u = Unreferenced(smaps.Span, _targets, _data, _checked);
            (drop, pageOut, split) = (u.Drop, u.PageOut, u.Mappings);
        }
        string? warning = null;
        long dropped = 0;
        bool ran = Mlock.WhileUnlocked(() =>
        {
            foreach (var (start, end) in drop)
                if (Madvise.TryAdvise(start, end - start, Madvise.DontNeed, out int e)) dropped += (long)((end - start) / 1024);
                else warning ??= $"working set not all trimmed: madvise(MADV_DONTNEED) {start:x}-{end:x}: {Errno.Describe(e)}";
            // The file-backed data section (DataSectionRemap) is writable: MADV_DONTNEED would also drop a page written
            // between the smaps read and now. MADV_PAGEOUT drops clean file pages only; a written one has no swap to go to.
            foreach (var (start, end) in pageOut)
                if (Madvise.TryAdvise(start, end - start, FileMapping.PageOut, out int e)) dropped += (long)((end - start) / 1024);
                else warning ??= $"working set not all trimmed: madvise(MADV_PAGEOUT) {start:x}-{end:x}: {Errno.Describe(e)}";
            Merge();
        }, out string? lockWarning);
        if (!ran)
        {
            Merge();
            return new TrimOutcome(0, split, CountMappings(mapsPath), "working set not trimmed: " + lockWarning);
        }
        return new TrimOutcome(dropped, split, CountMappings(mapsPath), lockWarning ?? warning);
    }

    /// <summary>The lines of /proc/self/maps: the process's mappings; −1 when it cannot be read.</summary>
    public static int CountMappings(string mapsPath)
    {
        if (!MappedText.TryRead(mapsPath, out var maps, out _)) return -1;
        using (maps) return maps.Span.Count((byte)'\n');
    }

    private void Merge()
    {
        foreach (var m in _targets) Madvise.TryAdvise(m.StartAddress, m.LengthBytes, Madvise.Normal, out _);
    }

    /// <summary>What a /proc/self/smaps read after the split (one mapping per page there) says: the address ranges
    /// (adjacent pages joined) of resident, never-referenced read-only pages inside <paramref name="targets"/>
    /// (<see cref="UnreferencedPages.Drop"/>); the pages of the file-backed data section <paramref name="data"/>
    /// (writable, so never in the first list) that are resident, file pages still (no anonymous copy) and not
    /// referenced (<see cref="UnreferencedPages.PageOut"/>); and how many mappings smaps lists. With
    /// <paramref name="checkedPages"/> (ascending) only the single-page mappings of those pages count: the rest of the
    /// targets was not split, and a mapping of many pages unreferenced in one window may hold the rehearsed path a
    /// crossing takes.</summary>
    public static UnreferencedPages Unreferenced(ReadOnlySpan<byte> smaps, List<SmapsMapping> targets,
        DataSectionRemapResult data = default, ulong[]? checkedPages = null)
    {
        var ranges = new List<(ulong Start, ulong End)>();
        List<(ulong Start, ulong End)> pageOut = [];
        int mappings = 0;
        while (SmapsParser.TryParseNext(ref smaps, out var m))
        {
            mappings++;
            if (m.RssKib == 0 || m.ReferencedKib != 0 || m.AnonymousKib != 0 || !Inside(m, targets)) continue;
            if (checkedPages is not null && (m.LengthBytes != PageBytes || Array.BinarySearch(checkedPages, m.StartAddress) < 0)) continue;
            if (InData(m, data)) Join(pageOut, m);
            else if (!m.Writable) Join(ranges, m);
        }
        return new UnreferencedPages(ranges, pageOut, mappings);
    }

    private static void Join(List<(ulong Start, ulong End)> ranges, SmapsMapping m)
    {
        if (ranges.Count > 0 && ranges[^1].End == m.StartAddress) ranges[^1] = (ranges[^1].Start, m.EndAddress);
        else ranges.Add((m.StartAddress, m.EndAddress));
    }

    private static bool InData(SmapsMapping m, DataSectionRemapResult data) =>
        m.FileBacked && !m.Shared && data.Applied && data.StartAddress <= m.StartAddress && m.EndAddress <= data.EndAddress;

    /// <summary>The private file mappings inside the file-backed data section (one, unless something split it).</summary>
    public static void AddDataMappings(ReadOnlySpan<byte> smaps, DataSectionRemapResult data, List<SmapsMapping> targets)
    {
        while (SmapsParser.TryParseNext(ref smaps, out var m))
            if (InData(m, data)) targets.Add(m);
    }

    private static bool Inside(SmapsMapping m, List<SmapsMapping> targets)
    {
        foreach (var t in targets)
            if (t.StartAddress <= m.StartAddress && m.EndAddress <= t.EndAddress) return true;
        return false;
    }
}

/// <summary>What <see cref="WorkingSetTrim.Unreferenced"/> found in one smaps read.</summary>
/// <param name="Drop">Read-only pages to drop (MADV_DONTNEED).</param>
/// <param name="PageOut">Data-section file pages to page out (MADV_PAGEOUT).</param>
/// <param name="Mappings">All the mappings the smaps read listed.</param>
public readonly record struct UnreferencedPages(List<(ulong Start, ulong End)> Drop, List<(ulong Start, ulong End)> PageOut, int Mappings);
