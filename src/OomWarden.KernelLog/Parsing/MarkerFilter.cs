using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace OomWarden.KernelLog.Parsing;

/// <summary>
/// A test of 16 start positions at once, written for one fixed marker set: lane q of the result is all ones when a
/// marker may start at <c>at + q</c>, and must be for every marker of the set that starts there (a superset: the
/// candidates are checked in full). It reads only bytes that lie inside each marker, at most <see cref="Reach"/>
/// bytes from <c>at</c>; the check at construction (<see cref="MarkerSearch{TFilter}"/>) enforces the superset.
/// </summary>
public interface IMarkerFilter
{
    /// <summary>How many bytes from the block's start the filter reads: 16 plus the largest offset it loads at.</summary>
    static abstract int Reach { get; }

    static abstract Vector128<byte> Candidates(ref byte at);
}

/// <summary>
/// <see cref="MarkerSearch"/> with a filter specialised for its markers: the bytes compared are constants and the
/// offsets immediates, markers that share a byte at an offset share its compare (<c>Mem-</c> and <c>memory: u</c>
/// both start with <c>m</c> or <c>M</c>), and a case-folded first byte (<c>b | 0x20</c>) covers <c>kill</c> and
/// <c>Kill</c> with one pair. The generic search compares 8 first and 8 last bytes per block with 16 constants that
/// do not fit in SSE2's 16 registers (spilled and reloaded for every block); this one does about two thirds of the
/// vector work, and two blocks share one test for a hit. Same result as <see cref="MarkerSearch"/> for the same markers.
/// </summary>
public sealed class MarkerSearch<TFilter> : MarkerSearch where TFilter : struct, IMarkerFilter
{
    /// <exception cref="ArgumentException">The filter misses one of <paramref name="markers"/> at some position.</exception>
    public MarkerSearch(params byte[][] markers) : base(markers)
    {
        // every marker at every lane, on two backgrounds: the filter must flag it there
        var block = new byte[2 * TFilter.Reach + 64];
        foreach (var m in markers)
            foreach (byte background in (byte[])[0x00, (byte)' '])
                for (int lane = 0; lane < Vector128<byte>.Count; lane++)
                {
                    block.AsSpan().Fill(background);
                    m.CopyTo(block, lane);
                    uint mask = TFilter.Candidates(ref block[0]).ExtractMostSignificantBits();
                    if ((mask & (1u << lane)) == 0)
                        throw new ArgumentException($"{typeof(TFilter).Name} misses \"{Bytes.Text(m)}\" at lane {lane}", nameof(markers));
                }
    }

    public override int IndexOfAny(ReadOnlySpan<byte> s)
    {
        int i = 0;
        if (Vector128.IsHardwareAccelerated && s.Length >= TFilter.Reach)
        {
            ref byte b = ref MemoryMarshal.GetReference(s);
            int end = s.Length - TFilter.Reach;
            for (; i + Vector128<byte>.Count <= end; i += 2 * Vector128<byte>.Count)
            {
                var c0 = TFilter.Candidates(ref Unsafe.Add(ref b, i));
                var c1 = TFilter.Candidates(ref Unsafe.Add(ref b, i + Vector128<byte>.Count));
                if ((c0 | c1).ExtractMostSignificantBits() == 0) continue;
                int hit = Check(s, i, c0.ExtractMostSignificantBits() | ((ulong)c1.ExtractMostSignificantBits() << 16));
                if (hit >= 0) return hit;
            }
            for (; i <= end; i += Vector128<byte>.Count)
            {
                uint mask = TFilter.Candidates(ref Unsafe.Add(ref b, i)).ExtractMostSignificantBits();
                if (mask == 0) continue;
                int hit = Check(s, i, mask);
                if (hit >= 0) return hit;
            }
            // the last whole block, overlapping the one before: its lanes already tested are masked off, and only
            // the last Reach - 16 positions are left to the byte loop (up to Reach - 1 without it: on a line searched
            // alone, the byte loop cost more than the blocks)
            if (i < end + Vector128<byte>.Count)
            {
                uint mask = TFilter.Candidates(ref Unsafe.Add(ref b, end)).ExtractMostSignificantBits() & (~0u << (i - end));
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
}
