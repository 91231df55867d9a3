using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace OomWarden.KernelLog.Parsing;

/// <summary>
/// Single-byte searches for the short lines of a report (20–60 bytes, most of them): the compares done inline,
/// where the library search's call and set-up cost more than the compares such a line needs. Same results as
/// <c>IndexOf</c> and <c>Contains</c>.
/// </summary>
public static class ShortSpans
{
    /// <summary>
    /// <c>s.IndexOf(c)</c>, the first 64 bytes compared inline (three lines of a report in four end there), and the next
    /// 64 (the node and kill lines) when the first hold none.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int IndexOfNear(ReadOnlySpan<byte> s, byte c)
    {
        if (Vector128.IsHardwareAccelerated && s.Length >= 64)
        {
            ref byte r = ref MemoryMarshal.GetReference(s);
            var x = Vector128.Create(c);
            ulong m = Block64(ref r, 0, x);
            if (m != 0) return BitOperations.TrailingZeroCount(m);
            int done = 64;
            if (s.Length >= 128)
            {
                m = Block64(ref r, 64, x);
                if (m != 0) return 64 + BitOperations.TrailingZeroCount(m);
                done = 128;
            }
            int k = s.Slice(done).IndexOf(c);
            return k < 0 ? k : k + done;
        }
        return s.IndexOf(c);
    }

    /// <summary>
    /// <see cref="IndexOfNear(ReadOnlySpan{byte}, byte)"/>, and whether <paramref name="other"/> may be in the line: false
    /// only when <paramref name="c"/> is among the first 128 bytes and <paramref name="other"/> is not before the 64-byte
    /// window that holds it (the same blocks, compared twice).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int IndexOfNear(ReadOnlySpan<byte> s, byte c, byte other, out bool otherNear)
    {
        if (Vector128.IsHardwareAccelerated && s.Length >= 64)
        {
            ref byte r = ref MemoryMarshal.GetReference(s);
            var x = Vector128.Create(c);
            var b0 = Vector128.LoadUnsafe(ref r);
            var b1 = Vector128.LoadUnsafe(ref r, 16);
            var b2 = Vector128.LoadUnsafe(ref r, 32);
            var b3 = Vector128.LoadUnsafe(ref r, 48);
            ulong m = Vector128.Equals(b0, x).ExtractMostSignificantBits()
                | ((ulong)Vector128.Equals(b1, x).ExtractMostSignificantBits() << 16)
                | ((ulong)Vector128.Equals(b2, x).ExtractMostSignificantBits() << 32)
                | ((ulong)Vector128.Equals(b3, x).ExtractMostSignificantBits() << 48);
            if (m != 0)
            {
                var y = Vector128.Create(other);
                otherNear = (Vector128.Equals(b0, y) | Vector128.Equals(b1, y) | Vector128.Equals(b2, y) | Vector128.Equals(b3, y)).ExtractMostSignificantBits() != 0;
                return BitOperations.TrailingZeroCount(m);
            }
            int done = 64;
            if (s.Length >= 128)
            {
                // the next 64 (node and kill lines): '#' there too when the first ones had none
                var y = Vector128.Create(other);
                bool near = (Vector128.Equals(b0, y) | Vector128.Equals(b1, y) | Vector128.Equals(b2, y) | Vector128.Equals(b3, y)).ExtractMostSignificantBits() != 0;
                b0 = Vector128.LoadUnsafe(ref r, 64);
                b1 = Vector128.LoadUnsafe(ref r, 80);
                b2 = Vector128.LoadUnsafe(ref r, 96);
                b3 = Vector128.LoadUnsafe(ref r, 112);
                m = Vector128.Equals(b0, x).ExtractMostSignificantBits()
                    | ((ulong)Vector128.Equals(b1, x).ExtractMostSignificantBits() << 16)
                    | ((ulong)Vector128.Equals(b2, x).ExtractMostSignificantBits() << 32)
                    | ((ulong)Vector128.Equals(b3, x).ExtractMostSignificantBits() << 48);
                if (m != 0)
                {
                    otherNear = near || (Vector128.Equals(b0, y) | Vector128.Equals(b1, y) | Vector128.Equals(b2, y) | Vector128.Equals(b3, y)).ExtractMostSignificantBits() != 0;
                    return 64 + BitOperations.TrailingZeroCount(m);
                }
                done = 128;
                if (s.Length >= 192)
                {
                    // the task table's header, long kill lines
                    m = Block64(ref r, 128, x);
                    if (m != 0) { otherNear = true; return 128 + BitOperations.TrailingZeroCount(m); }
                    done = 192;
                }
            }
            otherNear = true;
            int k = s.Slice(done).IndexOf(c);
            return k < 0 ? k : k + done;
        }
        otherNear = true;
        return s.IndexOf(c);
    }

    /// <summary>
    /// <c>s.IndexOf(c)</c> in 16-byte blocks inline for the first 256 bytes (the last block of a shorter span overlapping
    /// the one before), then the library's search: for a byte that is usually a few dozen bytes away (the next <c>#012</c>
    /// of a joined record).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int IndexOfBlocks(ReadOnlySpan<byte> s, byte c)
    {
        if (!Vector128.IsHardwareAccelerated || s.Length < 16) return s.IndexOf(c);
        ref byte r = ref MemoryMarshal.GetReference(s);
        var x = Vector128.Create(c);
        int end = Math.Min(s.Length, 256), i = 0;
        while (true)
        {
            int at = Math.Min(i, end - 16);
            uint m = Vector128.Equals(Vector128.LoadUnsafe(ref r, (nuint)at), x).ExtractMostSignificantBits();
            if (m != 0) return at + BitOperations.TrailingZeroCount(m);
            i = at + 16;
            if (i >= end) break;
        }
        if (end == s.Length) return -1;
        int k = s.Slice(end).IndexOf(c);
        return k < 0 ? k : k + end;
    }

    /// <summary>One bit for each of the 64 bytes from <paramref name="at"/> that equals <paramref name="x"/>'s.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Block64(ref byte r, nuint at, Vector128<byte> x) =>
        Vector128.Equals(Vector128.LoadUnsafe(ref r, at), x).ExtractMostSignificantBits()
        | ((ulong)Vector128.Equals(Vector128.LoadUnsafe(ref r, at + 16), x).ExtractMostSignificantBits() << 16)
        | ((ulong)Vector128.Equals(Vector128.LoadUnsafe(ref r, at + 32), x).ExtractMostSignificantBits() << 32)
        | ((ulong)Vector128.Equals(Vector128.LoadUnsafe(ref r, at + 48), x).ExtractMostSignificantBits() << 48);

    /// <summary>
    /// <c>s.Contains(c)</c>; up to 256 bytes inline: from 16 in 16-byte blocks, the last one overlapping the one before,
    /// from 8 in two 8-byte words, overlapping the same way, below 8 byte by byte.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Contains(ReadOnlySpan<byte> s, byte c)
    {
        if (!Vector128.IsHardwareAccelerated || s.Length > 16 * Vector128<byte>.Count) return s.Contains(c);
        if (s.Length < Vector128<byte>.Count) return ContainsShort(s, c);
        ref byte r = ref MemoryMarshal.GetReference(s);
        var x = Vector128.Create(c);
        var any = Vector128.Equals(Vector128.LoadUnsafe(ref r, (nuint)(s.Length - Vector128<byte>.Count)), x);
        for (int i = 0; i + Vector128<byte>.Count < s.Length; i += Vector128<byte>.Count)
            any |= Vector128.Equals(Vector128.LoadUnsafe(ref r, (nuint)i), x);
        return any.ExtractMostSignificantBits() != 0;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool ContainsShort(ReadOnlySpan<byte> s, byte c)
    {
        if (s.Length >= sizeof(ulong))
        {
            ulong all = c * 0x0101010101010101UL;
            return (ZeroBytes(BinaryPrimitives.ReadUInt64LittleEndian(s) ^ all)
                | ZeroBytes(BinaryPrimitives.ReadUInt64LittleEndian(s.Slice(s.Length - sizeof(ulong))) ^ all)) != 0;
        }
        foreach (byte b in s)
            if (b == c) return true;
        return false;
    }

    /// <summary>0x80 in each zero byte of <paramref name="word"/>, 0 in the others: exact, unlike the usual test's carries.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ulong ZeroBytes(ulong word)
    {
        const ulong Low7 = 0x7F7F7F7F7F7F7F7FUL;
        return ~(((word & Low7) + Low7) | word | Low7);
    }
}
