using System.Runtime.CompilerServices;
using System.Buffers.Binary;
using System.Text;

namespace OomWarden.KernelLog.Parsing;

/// <summary>Small span helpers shared by the message parsers.</summary>
internal static class Bytes
{
    public static string Text(ReadOnlySpan<byte> s) => Encoding.UTF8.GetString(s);

    private sealed class Token(string text, byte[] utf8)
    {
        public readonly string Text = text;
        public readonly byte[] Utf8 = utf8;
    }

    private static readonly Token?[] Interned = new Token?[1024];

    /// <summary>
    /// A short ASCII token (a counter name, a zone, a comm) that every report repeats: the same string each time
    /// instead of a new one. A fixed table indexed by a hash; a collision just makes a new string. The table is
    /// shared by threads: an entry (its string and its bytes) is read once and its bytes compared in full before use
    /// (bytes equal to an ASCII token's are ASCII).
    /// </summary>
    public static string Key(ReadOnlySpan<byte> s)
    {
        if (s.Length > 32 || s.IsEmpty) return Text(s);
        // hash of the length and the first and last (up to) 8 bytes: tokens differ there
        ulong head = 0, tail = 0;
        if (s.Length >= 8)
        {
            head = BinaryPrimitives.ReadUInt64LittleEndian(s);
            tail = BinaryPrimitives.ReadUInt64LittleEndian(s.Slice(s.Length - 8));
        }
        else
            for (int i = 0; i < s.Length; i++) head = (head << 8) | s[i];
        ulong h = (head * 0x9E3779B97F4A7C15UL) ^ (tail * 0xC2B2AE3D27D4EB4FUL) ^ (ulong)s.Length;
        int slot = (int)((h ^ (h >> 29)) & (ulong)(Interned.Length - 1));
        var cached = Volatile.Read(ref Interned[slot]);
        if (cached is not null && Model.CounterName.Same(s, cached.Utf8)) return cached.Text;
        if (!Ascii.IsValid(s)) return Text(s);
        string made = Text(s);
        Volatile.Write(ref Interned[slot], new Token(made, s.ToArray()));
        return made;
    }

    /// <summary>Digits (optionally signed) at the start of <paramref name="s"/>; false when none.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryLeadingLong(ReadOnlySpan<byte> s, out long value, out int consumed)
    {
        // in locals, the outs written once (written at each digit, they cost a store and a load per digit)
        long v = 0;
        int i = 0;
        bool neg = false;
        if (s.Length > 0 && (s[0] == (byte)'-' || s[0] == (byte)'+')) { neg = s[0] == (byte)'-'; i = 1; }
        int start = i;
        for (; i < s.Length; i++)
        {
            uint d = (uint)(s[i] - '0');
            if (d > 9) break;
            v = v > (long.MaxValue - 9) / 10 ? long.MaxValue : v * 10 + d;
        }
        if (i == start)
        {
            value = 0;
            consumed = 0;
            return false;
        }
        value = neg ? -v : v;
        consumed = i;
        return true;
    }

    /// <summary>Value after <paramref name="key"/> (e.g. <c>anon-rss:</c>) that must end in <c>kB</c>/<c>KB</c>; a cut-off number is rejected.</summary>
    public static long? KbAfter(ReadOnlySpan<byte> line, ReadOnlySpan<byte> key)
    {
        int at = line.IndexOf(key);
        if (at < 0) return null;
        var rest = line.Slice(at + key.Length);
        if (!TryLeadingLong(rest, out long v, out int n)) return null;
        rest = rest.Slice(n);
        if (rest.Length >= 2 && (rest[0] == (byte)'k' || rest[0] == (byte)'K') && rest[1] == (byte)'B') return v;
        return null;
    }

    /// <summary>Integer after <paramref name="key"/>; must be followed by a separator or the end of the line.</summary>
    public static long? LongAfter(ReadOnlySpan<byte> line, ReadOnlySpan<byte> key)
    {
        int at = line.IndexOf(key);
        if (at < 0) return null;
        var rest = line.Slice(at + key.Length);
        if (!TryLeadingLong(rest, out long v, out int n)) return null;
        if (n < rest.Length)
        {
            byte next = rest[n];
            if (next != (byte)' ' && next != (byte)',' && next != (byte)'.' && next != (byte)')' && next != (byte)'\t') return null;
        }
        return v;
    }

    /// <summary>Text after <paramref name="key"/> up to <c>", "</c>/<c>","</c>, keeping a parenthesised group whole; null when the group is cut.</summary>
    public static string? FieldAfter(ReadOnlySpan<byte> line, ReadOnlySpan<byte> key)
    {
        int at = line.IndexOf(key);
        if (at < 0) return null;
        var rest = line.Slice(at + key.Length);
        int depth = 0, i = 0;
        for (; i < rest.Length; i++)
        {
            byte b = rest[i];
            if (b == (byte)'(') depth++;
            else if (b == (byte)')') depth--;
            else if (depth <= 0 && (b == (byte)',' || b == (byte)' ')) break;
        }
        if (depth > 0 || i == 0) return null;
        return Key(rest.Slice(0, i)); // gfp masks and nodemasks repeat
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ReadOnlySpan<byte> TrimEnd(ReadOnlySpan<byte> s)
    {
        while (s.Length > 0 && (s[^1] == (byte)' ' || s[^1] == (byte)'\t')) s = s[..^1];
        return s;
    }
}
