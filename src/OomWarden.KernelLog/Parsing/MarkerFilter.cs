using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace OomWarden.KernelLog.Parsing;

/// <summary>
/// A test of 16 start positions at once, written for one fixed marker set: lane q of the result is all ones when a
/// marker may start at <c>at + q</c>, and must be for every marker of the set that starts there (a superset: the
/// candidates are checked in full). It reads only bytes that lie inside each marker, at most <see cref="Reach"/>
/// bytes from <c>at</c>; the check at construction (<see cref="MarkerSearch{TFilter}"/>) enforces the superset, for
/// both tests when the filter has two.
/// </summary>
public interface IMarkerFilter
{
    /// <summary>How many bytes from the block's start the filter reads: 16 plus the largest offset it loads at.</summary>
    static abstract int Reach { get; }

    /// <summary>The test with byte compares (SSE2, or any 128-bit vectors: arm64).</summary>
    static abstract Vector128<byte> Candidates(ref byte at);

    /// <summary>Whether <see cref="NibbleCandidates"/> is written (else it is never called).</summary>
    static abstract bool HasNibbleTest { get; }

    /// <summary>
    /// The same test with SSSE3 nibble tables, called only when <see cref="Ssse3.IsSupported"/>: lane q is nonzero
    /// (not all ones: the bits left are the markers that may start there) when a marker may start at <c>at + q</c>.
    /// </summary>
    static abstract Vector128<byte> NibbleCandidates(ref byte at);
}

/// <summary>
/// Teddy-style nibble tables (as in Hyperscan and Rust's aho-corasick): each marker owns one bit; for a byte offset
/// j, <c>low</c>[n] holds the bits of the markers whose byte at j has low nibble n, <c>high</c>[n] likewise for the
/// high nibble, so one <c>pshufb</c> of each table by the block's nibbles leaves in every lane the markers whose byte
/// at j is that lane's byte, exactly (one marker a bit: no two share a bucket to blur it). A marker shorter than j
/// has its bit in every entry (any byte). The AND over a few offsets replaces a compare per marker and offset.
/// </summary>
internal static class NibbleTables
{
    /// <summary>The markers of each lane of <paramref name="block"/> whose byte at this offset is the lane's byte.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<byte> Lookup(Vector128<byte> block, Vector128<byte> low, Vector128<byte> high)
    {
        // both nibbles masked: pshufb zeroes a lane whose index has bit 7 set
        var nibble = Vector128.Create((byte)0x0F);
        var highNibbles = Vector128.ShiftRightLogical(block.AsUInt16(), 4).AsByte() & nibble;
        return Ssse3.Shuffle(low, block & nibble) & Ssse3.Shuffle(high, highNibbles);
    }
}

/// <summary>
/// <see cref="MarkerSearch"/> with a filter specialised for its markers: the bytes compared are constants and the
/// offsets immediates, markers that share a byte at an offset share its compare (<c>Mem-</c> and <c>memory: u</c>
/// both start with <c>m</c> or <c>M</c>), and a case-folded first byte (<c>b | 0x20</c>) covers <c>kill</c> and
/// <c>Kill</c> with one pair. The generic search compares 8 first and 8 last bytes per block with 16 constants that
/// do not fit in SSE2's 16 registers (spilled and reloaded for every block); this one does about two thirds of the
/// vector work, and two blocks share one test for a hit. Where the CPU has SSSE3 (a run-time check: NativeAOT's x64
/// target is SSE2) and the filter has nibble tables, those replace the compares: three <c>pshufb</c> pairs for all
/// markers. Same result as <see cref="MarkerSearch"/> for the same markers, on either path.
/// </summary>
public sealed class MarkerSearch<TFilter> : MarkerSearch where TFilter : struct, IMarkerFilter
{
    /// <exception cref="ArgumentException">The filter misses one of <paramref name="markers"/> at some position.</exception>
    public MarkerSearch(params byte[][] markers) : base(markers)
    {
        Prove<Compares>(markers);
        if (Ssse3.IsSupported && TFilter.HasNibbleTest) Prove<Nibbles>(markers);
    }

    /// <summary>Every marker at every lane, on two backgrounds: the test must flag it there.</summary>
    private static void Prove<TTest>(byte[][] markers) where TTest : struct, IBlockTest
    {
        var block = new byte[2 * TFilter.Reach + 64];
        foreach (var m in markers)
            foreach (byte background in (byte[])[0x00, (byte)' '])
                for (int lane = 0; lane < Vector128<byte>.Count; lane++)
                {
                    block.AsSpan().Fill(background);
                    m.CopyTo(block, lane);
                    uint mask = TTest.Lanes(TTest.Candidates(ref block[0]));
                    if ((mask & (1u << lane)) == 0)
                        throw new ArgumentException($"{typeof(TFilter).Name} ({typeof(TTest).Name}) misses \"{Bytes.Text(m)}\" at lane {lane}", nameof(markers));
                }
    }

    public override int IndexOfAny(ReadOnlySpan<byte> s) =>
        Ssse3.IsSupported && TFilter.HasNibbleTest && !ForceByteCompares ? Scan<Nibbles>(s) : Scan<Compares>(s);

    /// <summary>One of the filter's two tests: the candidates of a block and the mask of their lanes.</summary>
    private interface IBlockTest
    {
        static abstract Vector128<byte> Candidates(ref byte at);
        /// <summary>Bit q set when lane q of <paramref name="candidates"/> (or of the OR of two) is a candidate.</summary>
        static abstract uint Lanes(Vector128<byte> candidates);
    }

    private struct Compares : IBlockTest
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector128<byte> Candidates(ref byte at) => TFilter.Candidates(ref at);
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static uint Lanes(Vector128<byte> candidates) => candidates.ExtractMostSignificantBits();
    }

    private struct Nibbles : IBlockTest
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector128<byte> Candidates(ref byte at) => TFilter.NibbleCandidates(ref at);
        // a lane is a candidate when any marker bit is left: the lanes equal to zero, inverted
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static uint Lanes(Vector128<byte> candidates) =>
            Vector128.Equals(candidates, Vector128<byte>.Zero).ExtractMostSignificantBits() ^ 0xFFFF;
    }

    private int Scan<TTest>(ReadOnlySpan<byte> s) where TTest : struct, IBlockTest
    {
        int i = 0;
        if (Vector128.IsHardwareAccelerated && s.Length >= TFilter.Reach)
        {
            ref byte b = ref MemoryMarshal.GetReference(s);
            int end = s.Length - TFilter.Reach;
            for (; i + Vector128<byte>.Count <= end; i += 2 * Vector128<byte>.Count)
            {
                var c0 = TTest.Candidates(ref Unsafe.Add(ref b, i));
                var c1 = TTest.Candidates(ref Unsafe.Add(ref b, i + Vector128<byte>.Count));
                if (TTest.Lanes(c0 | c1) == 0) continue;
                int hit = Check(s, i, TTest.Lanes(c0) | ((ulong)TTest.Lanes(c1) << 16));
                if (hit >= 0) return hit;
            }
            for (; i <= end; i += Vector128<byte>.Count)
            {
                uint mask = TTest.Lanes(TTest.Candidates(ref Unsafe.Add(ref b, i)));
                if (mask == 0) continue;
                int hit = Check(s, i, mask);
                if (hit >= 0) return hit;
            }
            // the last whole block, overlapping the one before: its lanes already tested are masked off, and only
            // the last Reach - 16 positions are left to the byte loop (up to Reach - 1 without it: on a line searched
            // alone, the byte loop cost more than the blocks)
            if (i < end + Vector128<byte>.Count)
            {
                uint mask = TTest.Lanes(TTest.Candidates(ref Unsafe.Add(ref b, end))) & (~0u << (i - end));
                if (mask != 0)
                {
                    int hit = Check(s, end, mask);
                    if (hit >= 0) return hit;
                }
                i = end + Vector128<byte>.Count;
            }
        }
        return ScalarFrom(s, i);
    }

    /// <summary>The first candidate of <paramref name="mask"/> (bit k: position i + k) where a whole marker starts, or -1.</summary>
    private int Check(ReadOnlySpan<byte> s, int i, ulong mask)
    {
        for (; mask != 0; mask &= mask - 1)
        {
            int p = i + BitOperations.TrailingZeroCount(mask);
            if (StartsWithAny(s, p)) return p;
        }
        return -1;
    }
}

/// <summary>
/// The filter for <see cref="OomLogReader"/>'s markers between reports: <c>kill</c>, <c>Kill</c>, <c>Mem-</c>,
/// <c>Tasks s</c>, <c>memory: u</c>, <c>Linux version</c>, <c>name to &lt;</c>. Each is a pair of bytes far apart
/// in the marker (rarely both in ordinary text at that distance): k/K and l at +3; m/M and (- at +3 or u at +8);
/// T and s at +6; L and n at +12; n and &lt; at +8.
/// </summary>
public struct IdleMarkerFilter : IMarkerFilter
{
    public static int Reach => Vector128<byte>.Count + 12;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<byte> Candidates(ref byte at)
    {
        var b0 = Vector128.LoadUnsafe(ref at);
        var b3 = Vector128.LoadUnsafe(ref at, 3);
        var b6 = Vector128.LoadUnsafe(ref at, 6);
        var b8 = Vector128.LoadUnsafe(ref at, 8);
        var b12 = Vector128.LoadUnsafe(ref at, 12);
        var folded = b0 | Vector128.Create((byte)0x20);
        var kill = Vector128.Equals(folded, Vector128.Create((byte)'k')) & Vector128.Equals(b3, Vector128.Create((byte)'l'));
        var mem = Vector128.Equals(folded, Vector128.Create((byte)'m'))
            & (Vector128.Equals(b3, Vector128.Create((byte)'-')) | Vector128.Equals(b8, Vector128.Create((byte)'u')));
        var tasks = Vector128.Equals(b0, Vector128.Create((byte)'T')) & Vector128.Equals(b6, Vector128.Create((byte)'s'));
        var linux = Vector128.Equals(b0, Vector128.Create((byte)'L')) & Vector128.Equals(b12, Vector128.Create((byte)'n'));
        var host = Vector128.Equals(b0, Vector128.Create((byte)'n')) & Vector128.Equals(b8, Vector128.Create((byte)'<'));
        return kill | mem | tasks | linux | host;
    }

    public static bool HasNibbleTest => true;

    /// <summary>
    /// Bits 0-6: <c>kill</c>, <c>Kill</c>, <c>Mem-</c>, <c>Tasks s</c>, <c>memory: u</c>, <c>Linux version</c>,
    /// <c>name to &lt;</c>; their bytes at offsets 0, 3 and 6 (the first three are shorter than 7: any byte at 6).
    /// Three bytes each, fewer false candidates than the pairs on the bench log (22,267 against 30,309 positions of
    /// 31 MB with <c>oom_reaper</c>'s bit, true 14,226); offsets {0, 1, 3} read less but flagged 58,144. Tables
    /// written by hand from the markers (bench/analyze/README.md, tenth pass); the construction check proves them.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<byte> NibbleCandidates(ref byte at)
    {
        var low0 = Vector128.Create((byte)0x00, 0x00, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x20, 0x14, 0x40, 0x00);
        var high0 = Vector128.Create((byte)0x00, 0x00, 0x00, 0x00, 0x26, 0x08, 0x51, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00);
        var low3 = Vector128.Create((byte)0x00, 0x00, 0x00, 0x00, 0x00, 0x60, 0x00, 0x00, 0x00, 0x00, 0x00, 0x08, 0x03, 0x04, 0x00, 0x10);
        var high3 = Vector128.Create((byte)0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x5B, 0x20, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00);
        var low6 = Vector128.Create((byte)0x07, 0x07, 0x07, 0x0F, 0x07, 0x07, 0x27, 0x07, 0x07, 0x07, 0x17, 0x07, 0x07, 0x07, 0x07, 0x47);
        var high6 = Vector128.Create((byte)0x07, 0x07, 0x07, 0x17, 0x07, 0x07, 0x47, 0x2F, 0x07, 0x07, 0x07, 0x07, 0x07, 0x07, 0x07, 0x07);
        return NibbleTables.Lookup(Vector128.LoadUnsafe(ref at), low0, high0)
            & NibbleTables.Lookup(Vector128.LoadUnsafe(ref at, 3), low3, high3)
            & NibbleTables.Lookup(Vector128.LoadUnsafe(ref at, 6), low6, high6);
    }
}

/// <summary>The same and <c>oom_reaper</c> (o and r at +9): while a killed report stays open.</summary>
public struct AfterKillMarkerFilter : IMarkerFilter
{
    public static int Reach => Vector128<byte>.Count + 12;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<byte> Candidates(ref byte at)
    {
        var reaper = Vector128.Equals(Vector128.LoadUnsafe(ref at), Vector128.Create((byte)'o'))
            & Vector128.Equals(Vector128.LoadUnsafe(ref at, 9), Vector128.Create((byte)'r'));
        return IdleMarkerFilter.Candidates(ref at) | reaper;
    }

    public static bool HasNibbleTest => true;

    /// <summary><see cref="IdleMarkerFilter.NibbleCandidates"/>'s tables and bit 7: <c>oom_reaper</c> (o, _, a).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<byte> NibbleCandidates(ref byte at)
    {
        var low0 = Vector128.Create((byte)0x00, 0x00, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x20, 0x14, 0x40, 0x80);
        var high0 = Vector128.Create((byte)0x00, 0x00, 0x00, 0x00, 0x26, 0x08, 0xD1, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00);
        var low3 = Vector128.Create((byte)0x00, 0x00, 0x00, 0x00, 0x00, 0x60, 0x00, 0x00, 0x00, 0x00, 0x00, 0x08, 0x03, 0x04, 0x00, 0x90);
        var high3 = Vector128.Create((byte)0x00, 0x00, 0x04, 0x00, 0x00, 0x80, 0x5B, 0x20, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00);
        var low6 = Vector128.Create((byte)0x07, 0x87, 0x07, 0x0F, 0x07, 0x07, 0x27, 0x07, 0x07, 0x07, 0x17, 0x07, 0x07, 0x07, 0x07, 0x47);
        var high6 = Vector128.Create((byte)0x07, 0x07, 0x07, 0x17, 0x07, 0x07, 0xC7, 0x2F, 0x07, 0x07, 0x07, 0x07, 0x07, 0x07, 0x07, 0x07);
        return NibbleTables.Lookup(Vector128.LoadUnsafe(ref at), low0, high0)
            & NibbleTables.Lookup(Vector128.LoadUnsafe(ref at, 3), low3, high3)
            & NibbleTables.Lookup(Vector128.LoadUnsafe(ref at, 6), low6, high6);
    }
}

/// <summary>
/// <see cref="MessageClassifier"/>'s patterns searched anywhere in a line, by the piece each holds: <c>ill</c> (i and
/// l at +2), <c>mem_cgroup_out_of_memory</c> (m and _ at +3), <c> cpuset=</c> (c at +1 and = at +7), <c>ostname</c>
/// (o and n at +3). A line that holds none of them is none of those kinds: one pass instead of a search for each.
/// </summary>
public struct ClassifierTailFilter : IMarkerFilter
{
    public static int Reach => Vector128<byte>.Count + 7;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<byte> Candidates(ref byte at)
    {
        var b0 = Vector128.LoadUnsafe(ref at);
        var b2 = Vector128.LoadUnsafe(ref at, 2);
        var b3 = Vector128.LoadUnsafe(ref at, 3);
        var ill = Vector128.Equals(b0, Vector128.Create((byte)'i')) & Vector128.Equals(b2, Vector128.Create((byte)'l'));
        var memcg = Vector128.Equals(b0, Vector128.Create((byte)'m')) & Vector128.Equals(b3, Vector128.Create((byte)'_'));
        var host = Vector128.Equals(b0, Vector128.Create((byte)'o')) & Vector128.Equals(b3, Vector128.Create((byte)'n'));
        var cpuset = Vector128.Equals(Vector128.LoadUnsafe(ref at, 1), Vector128.Create((byte)'c'))
            & Vector128.Equals(Vector128.LoadUnsafe(ref at, 7), Vector128.Create((byte)'='));
        return ill | memcg | host | cpuset;
    }

    // nibble tables at {0, 1, 2} flag fewer positions (77,324 against 186,215 on the bench log) but cost more vector
    // operations than the four pairs: the byte compares stay (bench/analyze/README.md, tenth pass)
    public static bool HasNibbleTest => false;

    public static Vector128<byte> NibbleCandidates(ref byte at) => throw new NotSupportedException();
}
