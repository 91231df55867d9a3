using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace OomWarden.KernelLog.Parsing;

/// <summary>
/// Finds the first of several short byte strings in one pass. Each 32-byte block is compared with every marker's
/// first byte (at the block) and last byte (at the block plus the marker's length - 1), as a single-needle
/// vectorised search does, but all markers share the pass: seven markers cost about one search, not seven.
/// Candidates are then checked in full. Pure; no allocation after construction.
/// </summary>
public sealed class MarkerSearch
{
    private readonly byte[][] _markers;
    private readonly Vector256<byte>[] _first;
    private readonly Vector256<byte>[] _last;
    private readonly Vector128<byte>[] _first128;
    private readonly Vector128<byte>[] _last128;
    private readonly int[] _lastOffset;
    private readonly int _maxLastOffset;

    public MarkerSearch(params byte[][] markers)
    {
        _markers = markers;
        _first = new Vector256<byte>[markers.Length];
        _last = new Vector256<byte>[markers.Length];
        _lastOffset = new int[markers.Length];
        _first128 = new Vector128<byte>[markers.Length];
        _last128 = new Vector128<byte>[markers.Length];
        for (int i = 0; i < markers.Length; i++)
        {
            if (markers[i].Length < 2) throw new ArgumentException("a marker has at least 2 bytes", nameof(markers));
            _first[i] = Vector256.Create(markers[i][0]);
            _last[i] = Vector256.Create(markers[i][^1]);
            _first128[i] = Vector128.Create(markers[i][0]);
            _last128[i] = Vector128.Create(markers[i][^1]);
            _lastOffset[i] = markers[i].Length - 1;
            _maxLastOffset = Math.Max(_maxLastOffset, _lastOffset[i]);
        }
    }

    /// <summary>Index of the first position of <paramref name="s"/> where a whole marker starts, or -1.</summary>
    public int IndexOfAny(ReadOnlySpan<byte> s)
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated && s.Length >= Vector256<byte>.Count + _maxLastOffset)
        {
            ref byte b = ref MemoryMarshal.GetReference(s);
            int end = s.Length - _maxLastOffset - Vector256<byte>.Count;
            var first = _first;
            var last = _last;
            var lastOffset = _lastOffset;
            for (; i <= end; i += Vector256<byte>.Count)
            {
                var block = Vector256.LoadUnsafe(ref b, (nuint)i);
                var hits = Vector256<byte>.Zero;
                for (int k = 0; k < first.Length; k++)
                    hits |= Vector256.Equals(block, first[k]) & Vector256.Equals(Vector256.LoadUnsafe(ref b, (nuint)(i + lastOffset[k])), last[k]);
                if (hits == Vector256<byte>.Zero) continue;
                uint mask = hits.ExtractMostSignificantBits();
                while (mask != 0)
                {
                    int p = i + BitOperations.TrailingZeroCount(mask);
                    if (StartsWithAny(s, p)) return p;
                    mask &= mask - 1;
                }
            }
        }
        else if (Vector128.IsHardwareAccelerated && s.Length >= Vector128<byte>.Count + _maxLastOffset)
        {
            // NativeAOT's default x64 target (SSE2) has no 256-bit vectors
            ref byte b = ref MemoryMarshal.GetReference(s);
            int end = s.Length - _maxLastOffset - Vector128<byte>.Count;
            var first = _first128;
            var last = _last128;
            var lastOffset = _lastOffset;
            for (; i <= end; i += Vector128<byte>.Count)
            {
                var block = Vector128.LoadUnsafe(ref b, (nuint)i);
                var hits = Vector128<byte>.Zero;
                for (int k = 0; k < first.Length; k++)
                    hits |= Vector128.Equals(block, first[k]) & Vector128.Equals(Vector128.LoadUnsafe(ref b, (nuint)(i + lastOffset[k])), last[k]);
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
        for (; i < s.Length; i++)
            if (StartsWithAny(s, i)) return i;
        return -1;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool StartsWithAny(ReadOnlySpan<byte> s, int at)
    {
        var rest = s.Slice(at);
        byte c = rest[0];
        foreach (var m in _markers)
            if (m[0] == c && rest.StartsWith(m)) return true;
        return false;
    }
}
