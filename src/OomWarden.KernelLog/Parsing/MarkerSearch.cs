using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace OomWarden.KernelLog.Parsing;

/// <summary>
/// Finds the first of up to <see cref="MaxMarkers"/> short byte strings in one pass. Each 16-byte block is compared
/// with every marker's first byte (at the block) and last byte (at the block plus the marker's length - 1), as a
/// single-needle vectorised search does, but all markers share the pass: seven markers cost about one search, not
/// seven. Candidates are then checked in full. The loop is unrolled over a fixed number of slots (unused slots
/// repeat marker 0) so the compared bytes stay in registers: a loop over arrays of vectors reloaded and
/// bounds-checked them for every block, and ran at half the speed. 128-bit vectors because NativeAOT's default
/// x64 target (SSE2) has no 256-bit ones; arm64 has the same width. Pure; no allocation after construction.
/// For a fixed marker set, <see cref="MarkerSearch{TFilter}"/> does the same with a filter written for it.
/// </summary>
public class MarkerSearch
{
    public const int MaxMarkers = 8;
    private readonly byte[][] _markers;
    // slot k: first byte, last byte, offset of the last byte (unused slots repeat slot 0)
    private readonly byte[] _first = new byte[MaxMarkers];
    private readonly byte[] _last = new byte[MaxMarkers];
    private readonly int[] _lastOffset = new int[MaxMarkers];
    private readonly int _maxLastOffset;
    /// <summary>Which first bytes start a marker (for the scalar tail).</summary>
    private readonly bool[] _starts = new bool[256];

    public MarkerSearch(params byte[][] markers)
    {
        if (markers.Length is 0 or > MaxMarkers) throw new ArgumentException($"1 to {MaxMarkers} markers", nameof(markers));
        _markers = markers;
        for (int k = 0; k < MaxMarkers; k++)
        {
            var m = markers[k < markers.Length ? k : 0];
            if (m.Length < 2) throw new ArgumentException("a marker has at least 2 bytes", nameof(markers));
            _first[k] = m[0];
            _last[k] = m[^1];
            _lastOffset[k] = m.Length - 1;
            _maxLastOffset = Math.Max(_maxLastOffset, m.Length - 1);
            _starts[m[0]] = true;
        }
    }

    /// <summary>The markers, in the order given.</summary>
    public IReadOnlyList<byte[]> Markers => _markers;

    /// <summary>Index of the first position of <paramref name="s"/> where a whole marker starts, or -1.</summary>
    public virtual int IndexOfAny(ReadOnlySpan<byte> s)
    {
        int i = 0;
        if (Vector128.IsHardwareAccelerated && s.Length >= Vector128<byte>.Count + _maxLastOffset)
        {
            ref byte b = ref MemoryMarshal.GetReference(s);
            int end = s.Length - _maxLastOffset - Vector128<byte>.Count;
            var f0 = Vector128.Create(_first[0]); var l0 = Vector128.Create(_last[0]); nuint o0 = (nuint)_lastOffset[0];
            var f1 = Vector128.Create(_first[1]); var l1 = Vector128.Create(_last[1]); nuint o1 = (nuint)_lastOffset[1];
            var f2 = Vector128.Create(_first[2]); var l2 = Vector128.Create(_last[2]); nuint o2 = (nuint)_lastOffset[2];
            var f3 = Vector128.Create(_first[3]); var l3 = Vector128.Create(_last[3]); nuint o3 = (nuint)_lastOffset[3];
            var f4 = Vector128.Create(_first[4]); var l4 = Vector128.Create(_last[4]); nuint o4 = (nuint)_lastOffset[4];
            var f5 = Vector128.Create(_first[5]); var l5 = Vector128.Create(_last[5]); nuint o5 = (nuint)_lastOffset[5];
            var f6 = Vector128.Create(_first[6]); var l6 = Vector128.Create(_last[6]); nuint o6 = (nuint)_lastOffset[6];
            var f7 = Vector128.Create(_first[7]); var l7 = Vector128.Create(_last[7]); nuint o7 = (nuint)_lastOffset[7];
            for (; i <= end; i += Vector128<byte>.Count)
            {
                ref byte at = ref Unsafe.Add(ref b, i);
                var block = Vector128.LoadUnsafe(ref at);
                var hits = (Vector128.Equals(block, f0) & Vector128.Equals(Vector128.LoadUnsafe(ref at, o0), l0))
                    | (Vector128.Equals(block, f1) & Vector128.Equals(Vector128.LoadUnsafe(ref at, o1), l1))
                    | (Vector128.Equals(block, f2) & Vector128.Equals(Vector128.LoadUnsafe(ref at, o2), l2))
                    | (Vector128.Equals(block, f3) & Vector128.Equals(Vector128.LoadUnsafe(ref at, o3), l3))
                    | (Vector128.Equals(block, f4) & Vector128.Equals(Vector128.LoadUnsafe(ref at, o4), l4))
                    | (Vector128.Equals(block, f5) & Vector128.Equals(Vector128.LoadUnsafe(ref at, o5), l5))
                    | (Vector128.Equals(block, f6) & Vector128.Equals(Vector128.LoadUnsafe(ref at, o6), l6))
                    | (Vector128.Equals(block, f7) & Vector128.Equals(Vector128.LoadUnsafe(ref at, o7), l7));
                if (hits == Vector128<byte>.Zero) continue;
                uint mask = hits.ExtractMostSignificantBits();
                while (mask != 0)
                {
                    int p = i + BitOperations.TrailingZeroCount(mask);
                    if (StartsWithAny(s, p)) return p;
                    mask &= mask - 1;
                }
            }
        }
        return ScalarFrom(s, i);
    }

    /// <summary>The first marker at or after <paramref name="i"/>, byte by byte: for the tail a block no longer covers.</summary>
    private protected int ScalarFrom(ReadOnlySpan<byte> s, int i)
    {
        var starts = _starts;
        for (; i < s.Length; i++)
            if (starts[s[i]] && StartsWithAny(s, i)) return i;
        return -1;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private protected bool StartsWithAny(ReadOnlySpan<byte> s, int at)
    {
        var rest = s.Slice(at);
        byte c = rest[0];
        foreach (var m in _markers)
            if (m[0] == c && rest.StartsWith(m)) return true;
        return false;
    }
}
