using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using OomWarden.KernelLog.Model;

namespace OomWarden.KernelLog.Parsing;

/// <summary>
/// Removes whatever wraps a kernel message: mail quoting (<c>&gt; </c>), leading blanks, syslog priority
/// (<c>&lt;4&gt;</c>), dmesg <c>[ 12.345678]</c> / <c>[Sun Nov 22 23:42:39 2026]</c>, dmesg -x facility columns,
/// /dev/kmsg <c>6,1234,5678,-;</c>, journalctl short / short-precise / short-iso / short-monotonic,
/// rsyslog traditional and RFC 3339 stamps, RFC 5424. Pure: no state, no allocation. A BSD stamp without the
/// kernel's own <c>[stamp]</c> is <see cref="UnwrappedLine.AmbiguousBsd"/>: journalctl short prints the same.
/// </summary>
public static class LineUnwrapper
{
    private static ReadOnlySpan<byte> Months => "JanFebMarAprMayJunJulAugSepOctNovDec"u8;
    private static ReadOnlySpan<byte> Days => "MonTueWedThuFriSatSun"u8;

    public static void Unwrap(ReadOnlySpan<byte> raw, out UnwrappedLine line)
    {
        line = default;
        line.UptimeSeconds = double.NaN;
        var s = TrimEndCr(raw);
        bool priority = false;
        // a dmesg line starts with its stamp's '[': no quote mark, blank, priority or facility column to strip
        if (s.IsEmpty || s[0] != (byte)'[')
        {
            s = StripQuoting(s, out line.Indent);
            // <N> priority (dmesg -r, console captures) or RFC 5424 "<13>1 2026-...".
            if (s.Length > 2 && s[0] == (byte)'<')
            {
                int close = s.Slice(0, Math.Min(s.Length, 6)).IndexOf((byte)'>');
                if (close > 1 && AllDigits(s.Slice(1, close - 1)))
                {
                    var rest = s.Slice(close + 1);
                    if (rest.Length > 2 && rest[0] == (byte)'1' && rest[1] == (byte)' ' && TryRfc5424(rest.Slice(2), ref line))
                        return;
                    s = rest;
                    priority = true;
                }
            }
            s = StripFacilityColumns(s);
        }

        if (s.Length > 0)
        {
            byte c = s[0];
            if (c == (byte)'[' && TryDmesg(s, ref line))
            {
                if (priority && line.Wrapper == LogWrapper.DmesgMonotonic) line.Wrapper = LogWrapper.DmesgRaw;
                return;
            }
            if (IsDigit(c))
            {
                if (TryIsoHeader(s, ref line)) return;
                if (TryKmsg(s, ref line)) return;
            }
            else if (c >= (byte)'A' && c <= (byte)'Z' && TryBsdHeader(s, ref line)) return;
        }
        line.Wrapper = LogWrapper.None;
        line.Message = TrimStart(s);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ReadOnlySpan<byte> TrimEndCr(ReadOnlySpan<byte> s)
    {
        int n = s.Length;
        while (n > 0 && (s[n - 1] == (byte)'\r' || s[n - 1] == (byte)'\n')) n--;
        return s.Slice(0, n);
    }

    /// <summary>Leading blanks and e-mail quote marks (<c>&gt;</c>, <c>&gt; &gt;</c>, <c>|</c>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ReadOnlySpan<byte> StripQuoting(ReadOnlySpan<byte> s, out int indent)
    {
        // counted in a local: the out parameter is a field of the caller's line, written to memory at each step
        int i = 0, blanks = 0;
        if (Vector128.IsHardwareAccelerated && s.Length >= Vector128<byte>.Count)
        {
            // the leading blanks in one compare: the 2nd+ lines of a multi-line record start with 16 of them
            uint other = ~Vector128.Equals(Vector128.LoadUnsafe(ref MemoryMarshal.GetReference(s)), Vector128.Create((byte)' ')).ExtractMostSignificantBits();
            i = blanks = BitOperations.TrailingZeroCount(other); // 16 when all are: ~ set the bits above them
        }
        while (i < s.Length)
        {
            byte b = s[i];
            if (b == (byte)' ' || b == (byte)'\t') blanks++;
            else if (b == (byte)'>' || b == (byte)'|') blanks = 0;
            else break;
            i++;
        }
        indent = blanks;
        return s.Slice(i);
    }

    /// <summary>dmesg -x: <c>kern  :warn  : </c></summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ReadOnlySpan<byte> StripFacilityColumns(ReadOnlySpan<byte> s)
    {
        if (s.Length < 12 || s[0] < (byte)'a' || s[0] > (byte)'z') return s;
        int i = 0;
        for (int field = 0; field < 2; field++)
        {
            int start = i;
            while (i < s.Length && s[i] >= (byte)'a' && s[i] <= (byte)'z') i++;
            if (i == start || i - start > 8) return s;
            while (i < s.Length && s[i] == (byte)' ') i++;
            if (i >= s.Length || s[i] != (byte)':') return s;
            i++;
        }
        if (i < s.Length && s[i] == (byte)' ') i++;
        return s.Slice(i);
    }

    /// <summary>
    /// <see cref="StripFacilityColumns"/> leaves the <paramref name="n"/> bytes at <paramref name="s"/> as they are (false:
    /// it may not). Proven from the first run of lowercase letters (one 16-byte compare when 16 bytes are there): longer
    /// than 8, or followed by neither a blank nor ':'.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool NoFacilityColumns(ref byte s, int n)
    {
        if (n < 12 || (uint)(s - 'a') > 'z' - 'a') return true;
        if (!Vector128.IsHardwareAccelerated || n < 16)
            return StripFacilityColumns(MemoryMarshal.CreateReadOnlySpan(ref s, n)).Length == n;
        var d = Vector128.LoadUnsafe(ref s) - Vector128.Create((byte)'a');
        uint lower = Vector128.Equals(Vector128.Min(d, Vector128.Create((byte)('z' - 'a'))), d).ExtractMostSignificantBits();
        int run = BitOperations.TrailingZeroCount(~lower);
        if (run > 8) return true;
        byte after = Unsafe.Add(ref s, run);
        return after != (byte)' ' && after != (byte)':' || StripFacilityColumns(MemoryMarshal.CreateReadOnlySpan(ref s, n)).Length == n;
    }

    // inlined into Unwrap: most lines are dmesg's, the call and its saved registers cost as much as the stamp's checks
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool TryDmesg(ReadOnlySpan<byte> s, ref UnwrappedLine line)
    {
        int close;
        double uptime;
        // printk's own "[%5lu.%06lu]" (uptime under 100,000 s): what the scan below gives for it, read at fixed places
        if (TryPrintkStamp(s, out uptime, out int from))
        {
            close = 13;
            line.UptimeSeconds = uptime;
            line.Time = s.Slice(from, close - from);
            line.Wrapper = LogWrapper.DmesgMonotonic;
        }
        // the common stamp "[  394.158309]" in one pass: the bytes before its ']' are blanks, digits and one dot,
        // so that ']' is the first one, as the search below would find it
        else if (ScanMonotonic(s, 1, out uptime, out from, out int to, out close) && close < 40 && close < s.Length && s[close] == (byte)']')
        {
            line.UptimeSeconds = uptime;
            line.Time = s.Slice(from, to - from);
            line.Wrapper = LogWrapper.DmesgMonotonic;
        }
        else
        {
            close = s.Slice(0, Math.Min(s.Length, 40)).IndexOf((byte)']');
            if (close < 2) return false;
            var inner = s.Slice(1, close - 1);
            if (TryMonotonic(inner, out uptime))
            {
                line.UptimeSeconds = uptime;
                line.Time = Trim(inner);
                line.Wrapper = LogWrapper.DmesgMonotonic;
            }
            else if (inner.Length >= 20 && StartsWithName(inner, Days) && inner[3] == (byte)' ' && StartsWithName(inner.Slice(4), Months))
            {
                line.Time = inner;
                line.Wrapper = LogWrapper.DmesgWallClock;
            }
            else return false;
        }
        var rest = TrimStart(s.Slice(close + 1));
        if (rest.Length >= 4 && rest[0] == (byte)'[') rest = StripCallerId(rest);
        // journalctl -o short-monotonic: "[  394.158309] host kernel: msg"; a host, a blank and "kernel: " take 10 bytes
        if (rest.Length >= 10)
        {
            int sp = FirstBlank(rest);
            if (sp > 0 && rest.Slice(sp + 1).StartsWith("kernel: "u8))
            {
                line.Host = rest.Slice(0, sp);
                line.Wrapper = LogWrapper.JournalMonotonic;
                rest = rest.Slice(sp + 9);
            }
        }
        line.Message = TrimStart(rest);
        return true;
    }

    /// <summary>
    /// The first blank among the first 70 bytes of <paramref name="s"/>, or -1: two 16-byte compares (the second one
    /// overlapping the first in a line shorter than 32) or two 8-byte words (shorter than 16) find it in most lines (a
    /// message's first word is short), instead of a search set up for the whole line.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int FirstBlank(ReadOnlySpan<byte> s)
    {
        if (Vector128.IsHardwareAccelerated && s.Length >= 16)
        {
            ref byte r = ref MemoryMarshal.GetReference(s);
            var blank = Vector128.Create((byte)' ');
            uint m = Vector128.Equals(Vector128.LoadUnsafe(ref r), blank).ExtractMostSignificantBits();
            if (m == 0)
            {
                int second = Math.Min(s.Length - 16, 16);
                m = Vector128.Equals(Vector128.LoadUnsafe(ref r, (nuint)second), blank).ExtractMostSignificantBits() << second;
            }
            if (m != 0) return BitOperations.TrailingZeroCount(m);
            if (s.Length <= 32) return -1;
        }
        else if (s.Length >= 8 && s.Length < 16)
        {
            ulong first = BlankBytes(BinaryPrimitives.ReadUInt64LittleEndian(s));
            if (first != 0) return BitOperations.TrailingZeroCount(first) >> 3;
            ulong last = BlankBytes(BinaryPrimitives.ReadUInt64LittleEndian(s.Slice(s.Length - 8)));
            return last != 0 ? s.Length - 8 + (BitOperations.TrailingZeroCount(last) >> 3) : -1;
        }
        return s.Slice(0, Math.Min(s.Length, 70)).IndexOf((byte)' ');
    }

    /// <summary>0x80 in each byte of <paramref name="word"/> that is a blank, 0 in the others (no carry between bytes).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong BlankBytes(ulong word) => ShortSpans.ZeroBytes(word ^ 0x2020202020202020UL);

    /// <summary>CONFIG_PRINTK_CALLER: <c>[  T4617] </c> or <c>[    C0] </c> after the stamp.</summary>
    private static ReadOnlySpan<byte> StripCallerId(ReadOnlySpan<byte> s)
    {
        if (s.Length < 4 || s[0] != (byte)'[') return s;
        int close = s.Slice(0, Math.Min(s.Length, 16)).IndexOf((byte)']');
        if (close < 3) return s;
        var inner = Trim(s.Slice(1, close - 1));
        if (inner.Length < 2 || (inner[0] != (byte)'T' && inner[0] != (byte)'C') || !AllDigits(inner.Slice(1))) return s;
        return TrimStart(s.Slice(close + 1));
    }

    /// <summary>
    /// <c>[  394.158309]</c> exactly: <c>[</c>, blanks and at least one digit up to index 5, <c>.</c>, six digits,
    /// <c>]</c> at 13; the seconds as <see cref="ScanMonotonic"/> computes them, and where the digits start. The whole
    /// seconds and the six fraction digits are each checked and read in one 8-byte word.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool TryPrintkStamp(ReadOnlySpan<byte> s, out double seconds, out int from)
    {
        seconds = 0;
        from = 1;
        if (s.Length < 14 || s[6] != (byte)'.' || s[13] != (byte)']') return false;
        // s[0..8): '[', the five places of the whole seconds (blanks, then digits), '.', a fraction digit
        ulong head = BinaryPrimitives.ReadUInt64LittleEndian(s);
        const ulong WholePlaces = 0x0000_8080_8080_8000UL; // bytes 1..5
        ulong blanks = BlankBytes(head) & WholePlaces;
        ulong digitsOrLaterBlanks = ~blanks & WholePlaces;
        if (digitsOrLaterBlanks == 0) return false; // no digit
        int first = BitOperations.TrailingZeroCount(digitsOrLaterBlanks) >> 3;
        // the leading blanks made '0' (0x20 | 0x10), the five places moved up to bytes 3..7 under three '0's: a blank
        // after a digit, or anything else, fails the digit test
        ulong whole = ((head | ((blanks & ((1UL << (first << 3)) - 1)) >> 3)) << 16 & ~0xFFFFFFUL) | 0x303030UL;
        // s[5..13) with its first two bytes (a digit and the dot) made '0': "00" and the six fraction digits
        ulong frac = (BinaryPrimitives.ReadUInt64LittleEndian(s.Slice(5)) & ~0xFFFFUL) | 0x3030UL;
        if (!EightDigits(whole) || !EightDigits(frac)) return false;
        from = first;
        seconds = ValueOfEightDigits(whole) + ValueOfEightDigits(frac) * NegativePowersOf10[6];
        return true;
    }

    /// <summary>
    /// <see cref="TryPrintkStamp"/>'s test on the first 16 bytes at <paramref name="s"/> (which must be readable) in a few
    /// vector compares: <c>[</c>, blanks then at least one digit up to index 5, <c>.</c>, six digits, <c>]</c> at 13; where
    /// the digits start. The seconds are not computed: <see cref="PrintkStampSeconds"/> reads them when asked.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool IsPrintkStamp(ref byte s, out int from)
    {
        var x = Vector128.LoadUnsafe(ref s);
        var d = x - Vector128.Create((byte)'0');
        uint digits = Vector128.Equals(Vector128.Min(d, Vector128.Create((byte)9)), d).ExtractMostSignificantBits();
        uint blanks = Vector128.Equals(x, Vector128.Create((byte)' ')).ExtractMostSignificantBits() & 0x3E;
        uint whole = digits & 0x3E;
        from = BitOperations.TrailingZeroCount(whole);
        // '[' at 0, '.' at 6, ']' at 13, fraction digits at 7..12; 1..5 blanks from 1 (none or a run), digits after them to 5
        return s == (byte)'[' && Unsafe.Add(ref s, 6) == (byte)'.' && Unsafe.Add(ref s, 13) == (byte)']'
            && (digits & 0x1F80) == 0x1F80 && (blanks | whole) == 0x3E && (whole & 0x20) != 0 && (blanks & (blanks + 2)) == 0;
    }

    /// <summary>
    /// The seconds of the stamp at <paramref name="s"/> that <see cref="IsPrintkStamp"/> accepted (its 16 bytes readable),
    /// as <see cref="TryPrintkStamp"/> computes them: the whole seconds' blanks made '0' (0x20 | 0x10), then both parts
    /// read as eight digits each.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static double PrintkStampSeconds(ref byte s)
    {
        ulong head = Unsafe.ReadUnaligned<ulong>(ref s);
        if (!BitConverter.IsLittleEndian) head = BinaryPrimitives.ReverseEndianness(head);
        ulong whole = (((head | 0x0000_1010_1010_1000UL) << 16) & ~0xFFFFFFUL) | 0x303030UL;
        ulong fracWord = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref s, 5));
        if (!BitConverter.IsLittleEndian) fracWord = BinaryPrimitives.ReverseEndianness(fracWord);
        ulong frac = (fracWord & ~0xFFFFUL) | 0x3030UL;
        return ValueOfEightDigits(whole) + ValueOfEightDigits(frac) * NegativePowersOf10[6];
    }

    /// <summary>Each byte of <paramref name="word"/> is an ASCII digit.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool EightDigits(ulong word) =>
        (word & 0xF0F0F0F0F0F0F0F0UL) == 0x3030303030303030UL && ((word + 0x0606060606060606UL) & 0xF0F0F0F0F0F0F0F0UL) == 0x3030303030303030UL;

    /// <summary>Eight ASCII digits, the first in the lowest byte, as a number: pairs, then fours, then all eight.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static long ValueOfEightDigits(ulong word)
    {
        ulong d = word - 0x3030303030303030UL;
        d = (d * 10 + (d >> 8)) & 0x00FF00FF00FF00FFUL;
        d = (d * 100 + (d >> 16)) & 0x0000FFFF0000FFFFUL;
        d = (d * 10000 + (d >> 32)) & 0xFFFFFFFFUL;
        return (long)d;
    }

    private static readonly double[] NegativePowersOf10 = [1, 1e-1, 1e-2, 1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8, 1e-9];

    /// <summary><c>  394.158309</c> → 394.158309 s (digits, one dot, digits; blanks around).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool TryMonotonic(ReadOnlySpan<byte> inner, out double seconds) =>
        ScanMonotonic(inner, 0, out seconds, out _, out _, out int end) && end == inner.Length;

    /// <summary>
    /// Blanks, digits, one dot, at least one digit, blanks, from <paramref name="at"/>: the seconds (9 fraction digits
    /// at most count), where the number starts and ends, and where the blanks after it end.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool ScanMonotonic(ReadOnlySpan<byte> s, int at, out double seconds, out int from, out int to, out int end)
    {
        seconds = 0;
        from = to = end = 0;
        int i = at;
        while (i < s.Length && (s[i] == (byte)' ' || s[i] == (byte)'\t')) i++;
        from = i;
        long whole = 0, frac = 0;
        for (; i < s.Length && IsDigit(s[i]); i++)
            whole = whole < long.MaxValue / 10 - 9 ? whole * 10 + (s[i] - '0') : long.MaxValue / 10;
        if (i == from || i >= s.Length || s[i] != (byte)'.') return false;
        int fracDigits = 0, f0 = ++i;
        for (; i < s.Length && IsDigit(s[i]); i++)
            if (fracDigits < 9) { frac = frac * 10 + (s[i] - '0'); fracDigits++; }
        if (i == f0) return false;
        to = i;
        while (i < s.Length && (s[i] == (byte)' ' || s[i] == (byte)'\t')) i++;
        end = i;
        seconds = whole + frac * NegativePowersOf10[fracDigits];
        return true;
    }

    /// <summary>/dev/kmsg: <c>prio,seq,usec,flags[,more];message</c></summary>
    private static bool TryKmsg(ReadOnlySpan<byte> s, ref UnwrappedLine line)
    {
        int semi = s.Slice(0, Math.Min(s.Length, 96)).IndexOf((byte)';');
        if (semi < 6) return false;
        var head = s.Slice(0, semi);
        int c1 = head.IndexOf((byte)',');
        if (c1 <= 0 || !AllDigits(head.Slice(0, c1))) return false;
        var r = head.Slice(c1 + 1);
        int c2 = r.IndexOf((byte)',');
        if (c2 <= 0 || !AllDigits(r.Slice(0, c2))) return false;
        r = r.Slice(c2 + 1);
        int c3 = r.IndexOf((byte)',');
        if (c3 <= 0 || !AllDigits(r.Slice(0, c3))) return false;
        var usec = r.Slice(0, c3);
        line.Time = usec;
        line.UptimeSeconds = ParseLong(usec.Length > 18 ? usec.Slice(0, 18) : usec) / 1e6;
        line.Wrapper = LogWrapper.Kmsg;
        line.Message = TrimStart(s.Slice(semi + 1));
        return true;
    }

    /// <summary>RFC 3339 / short-iso header: <c>2026-11-22T23:42:39[.123456](Z|+00:00|+0000) host kernel: msg</c>.</summary>
    private static bool TryIsoHeader(ReadOnlySpan<byte> s, ref UnwrappedLine line)
    {
        if (s.Length < 20 || s[4] != (byte)'-' || s[7] != (byte)'-' || (s[10] != (byte)'T' && s[10] != (byte)' ') || s[13] != (byte)':')
            return false;
        int sp = s.Slice(11).IndexOf((byte)' ');
        if (sp < 0) return false;
        var stamp = s.Slice(0, 11 + sp);
        // journalctl short-iso prints "+0000"; rsyslog RFC 3339 prints "+00:00".
        bool colonOffset = stamp.Length > 6 && stamp[^3] == (byte)':' && (stamp[^6] == (byte)'+' || stamp[^6] == (byte)'-');
        bool syslog = colonOffset || stamp[^1] == (byte)'Z';
        return TryHostTag(s.Slice(stamp.Length + 1), stamp, syslog ? LogWrapper.SyslogRfc3339 : LogWrapper.JournalIso, LogWrapper.SyslogRfc3339, ref line);
    }

    /// <summary>BSD header: <c>Nov 22 23:42:39[.123456] host tag: msg</c>.</summary>
    private static bool TryBsdHeader(ReadOnlySpan<byte> s, ref UnwrappedLine line)
    {
        if (s.Length < 16 || !StartsWithName(s, Months) || s[3] != (byte)' ') return false;
        int i = 4;
        if (s[i] == (byte)' ') i++;
        int d0 = i;
        while (i < s.Length && IsDigit(s[i])) i++;
        if (i == d0 || i - d0 > 2 || i >= s.Length || s[i] != (byte)' ') return false;
        i++;
        if (i + 8 > s.Length || s[i + 2] != (byte)':' || s[i + 5] != (byte)':') return false;
        i += 8;
        int secondsEnd = i;
        while (i < s.Length && (IsDigit(s[i]) || s[i] == (byte)'.')) i++;
        if (i >= s.Length || s[i] != (byte)' ') return false;
        // journalctl -o short-precise prints microseconds; syslog daemons' BSD format never does
        bool precise = i > secondsEnd;
        if (!TryHostTag(s.Slice(i + 1), s.Slice(0, i), precise ? LogWrapper.JournalPrecise : LogWrapper.Syslog, LogWrapper.Syslog, ref line))
            return false;
        line.AmbiguousBsd = line.Wrapper == LogWrapper.Syslog && !line.HadKernelStamp;
        return true;
    }

    private static bool TryHostTag(ReadOnlySpan<byte> s, ReadOnlySpan<byte> stamp, LogWrapper wrapper, LogWrapper withKernelStamp, ref UnwrappedLine line)
    {
        int sp = s.IndexOf((byte)' ');
        if (sp <= 0) return false;
        var host = s.Slice(0, sp);
        var rest = s.Slice(sp + 1);
        int colon = rest.IndexOf(": "u8);
        if (colon <= 0 || colon > 64) return false;
        var tag = rest.Slice(0, colon);
        var msg = rest.Slice(colon + 2);
        line.Time = stamp;
        line.Host = host;
        line.Tag = tag;
        line.IsForeign = !tag.SequenceEqual("kernel"u8);
        // rsyslog's imklog keeps the kernel's own stamp: "kernel: [ 394.158309] msg".
        if (msg.Length > 3 && msg[0] == (byte)'[')
        {
            int close = msg.Slice(0, Math.Min(msg.Length, 24)).IndexOf((byte)']');
            if (close > 1 && TryMonotonic(msg.Slice(1, close - 1), out double up))
            {
                line.UptimeSeconds = up;
                msg = msg.Slice(close + 1);
                wrapper = withKernelStamp;
                line.HadKernelStamp = true;
            }
        }
        line.Wrapper = wrapper;
        line.Message = TrimStart(msg);
        return true;
    }

    /// <summary>RFC 5424 after "&lt;PRI&gt;1 ": <c>TIMESTAMP HOST APP PROCID MSGID SD MSG</c>.</summary>
    private static bool TryRfc5424(ReadOnlySpan<byte> s, ref UnwrappedLine line)
    {
        Span<int> ends = stackalloc int[5];
        int pos = 0;
        for (int f = 0; f < 5; f++)
        {
            int sp = s.Slice(pos).IndexOf((byte)' ');
            if (sp < 0) return false;
            pos += sp + 1;
            ends[f] = pos;
        }
        line.Time = s.Slice(0, ends[0] - 1);
        line.Host = s.Slice(ends[0], ends[1] - ends[0] - 1);
        var app = s.Slice(ends[1], ends[2] - ends[1] - 1);
        line.Tag = app;
        line.IsForeign = !app.SequenceEqual("kernel"u8);
        var rest = s.Slice(ends[4]);
        if (rest.Length > 0 && rest[0] == (byte)'-') rest = rest.Slice(1);
        else if (rest.Length > 0 && rest[0] == (byte)'[')
        {
            int close = rest.IndexOf((byte)']');
            rest = close >= 0 ? rest.Slice(close + 1) : rest;
        }
        line.Wrapper = LogWrapper.SyslogRfc5424;
        line.Message = TrimStart(rest);
        return true;
    }

    private static bool StartsWithName(ReadOnlySpan<byte> s, ReadOnlySpan<byte> names)
    {
        if (s.Length < 3) return false;
        for (int i = 0; i + 3 <= names.Length; i += 3)
            if (s[0] == names[i] && s[1] == names[i + 1] && s[2] == names[i + 2]) return true;
        return false;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool IsDigit(byte b) => (uint)(b - '0') <= 9;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool AllDigits(ReadOnlySpan<byte> s)
    {
        if (s.IsEmpty) return false;
        foreach (byte b in s) if (!IsDigit(b)) return false;
        return true;
    }

    internal static long ParseLong(ReadOnlySpan<byte> digits)
    {
        long v = 0;
        foreach (byte b in digits)
        {
            if (!IsDigit(b)) break;
            if (v > (long.MaxValue - 9) / 10) return long.MaxValue;
            v = v * 10 + (b - '0');
        }
        return v;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ReadOnlySpan<byte> TrimStart(ReadOnlySpan<byte> s)
    {
        int i = 0;
        while (i < s.Length && (s[i] == (byte)' ' || s[i] == (byte)'\t')) i++;
        return s.Slice(i);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ReadOnlySpan<byte> Trim(ReadOnlySpan<byte> s)
    {
        s = TrimStart(s);
        while (s.Length > 0 && (s[^1] == (byte)' ' || s[^1] == (byte)'\t')) s = s[..^1];
        return s;
    }
}
