using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using OomWarden.KernelLog.Model;

namespace OomWarden.KernelLog.Parsing;

/// <summary>
/// The fast lane for a line read in full: the common shapes of a report's lines, recognised cheaply and handed on
/// as <see cref="PhysicalLine"/> would, without the general <see cref="LineUnwrapper.Unwrap"/> and its
/// <see cref="UnwrappedLine"/>. A line is taken only when it is proven to get exactly what the general path gives
/// it (message, stamp, host, wrapper, uptime, ambiguity, the held-back decision); anything else returns false and
/// goes the general way:
/// <list type="bullet">
/// <item>printk's stamp <c>[%5lu.%06lu] msg</c> (dmesg; journalctl -o short-monotonic's <c>host kernel: </c> after
/// it), without a caller id;</item>
/// <item>a syslog or journal header in the shape of the last one the general path read (<see cref="HeaderTemplate"/>:
/// the same bytes but for the stamp's digits, so the same host and the kernel's tag), with printk's stamp after it
/// when that one had it: rsyslog's kern.log, journalctl short, short-precise, short-iso, RFC 3339;</item>
/// <item>a later line of a multi-line record (6 blanks or more, then a message that no wrapper could start).</item>
/// </list>
/// </summary>
public sealed partial class OomLogReader
{
    /// <summary>Test-only: false sends every line the general way, for the equivalence tests.</summary>
    internal bool LaneEnabled { get; init; } = true;

    /// <summary>Test-only: the lines read in full that the lane did not take (counted in <see cref="PhysicalLine"/>).</summary>
    internal long GeneralLines { get; private set; }

    /// <summary>
    /// Test-only: the held-back line as the assembler will get it (message, wrapper, stamp, host, the uptime's bits,
    /// ambiguity), the head-line count and the assembler's hints, in one string: two readers that decided alike
    /// after each line give the same.
    /// </summary>
    internal string PendingState()
    {
        var sb = new System.Text.StringBuilder();
        sb.Append("seen=").Append(_linesSeen).Append(" syslog=").Append(_assembler.SyslogHint).Append(" journal=").Append(_assembler.JournalHint);
        if (_pLen < 0) return sb.Append(" none").ToString();
        var time = _pTimeAt >= 0 ? _buf.AsSpan(_pTimeAt, _pTimeLen) : _pTime.AsSpan(0, _pTimeLen);
        var host = _pHostAt >= 0 ? _buf.AsSpan(_pHostAt, _pHostLen) : _pHost.AsSpan(0, _pHostLen);
        var meta = new LineMeta { Time = time, UptimeSeconds = _pUptime, UptimeStamp = PendingStamp };
        sb.Append(" wrapper=").Append(_pWrapper).Append(" ambiguous=").Append(_pAmbiguous)
            .Append(" uptime=").Append(BitConverter.DoubleToInt64Bits(meta.UptimeSeconds).ToString("x"))
            .Append(" time=[").Append(Shown(time)).Append("] host=[").Append(Shown(host))
            .Append("] msg=[").Append(Shown(PendingMessage)).Append(']');
        return sb.ToString();

        static string Shown(ReadOnlySpan<byte> s)
        {
            var o = new System.Text.StringBuilder();
            foreach (byte c in s) o.Append(c is >= 0x20 and < 0x7F and not (byte)'\\' ? (char)c : $"\\x{c:x2}");
            return o.ToString();
        }
    }

    // The header of the last syslog/journal line the general path read (kernel's tag, at the line's start): its bytes
    // up to the message (after "kernel: "), 0xFF in _tVar where it held a stamp digit (any digit matches there),
    // where its stamp and host were, and what it was.
    private const int HeaderTemplateBytes = 128;
    // "kernel: " as an 8-byte read gives it
    private const ulong KernelTagLittleEndian = 0x203A_6C65_6E72_656BUL;
    private static ulong KernelTag
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => BitConverter.IsLittleEndian ? KernelTagLittleEndian : System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(KernelTagLittleEndian);
    }
    private readonly byte[] _tBytes = new byte[HeaderTemplateBytes];
    private readonly byte[] _tVar = new byte[HeaderTemplateBytes];
    private int _tLen; // 0: no template
    private int _tTimeLen, _tHostAt, _tHostLen;
    private LogWrapper _tWrapper;
    private bool _tAmbiguous, _tStamp;

    /// <summary>
    /// The line at <paramref name="b"/>, <paramref name="at"/> in the read buffer (<paramref name="len"/> bytes, its newline
    /// not counted), when it is in one of the lane's shapes: handed on (the held-back line flushed, this one held back)
    /// and true; else false, nothing done.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool Lane(ref byte b, int at, int len, bool mayHash, ref LineMeta meta, ref bool metaHeld)
    {
        // TrimEndCr
        if (len > 0 && Unsafe.Add(ref b, len - 1) <= (byte)'\r')
            while (len > 0 && (Unsafe.Add(ref b, len - 1) == (byte)'\r' || Unsafe.Add(ref b, len - 1) == (byte)'\n')) len--;
        if (len < 16) return false;
        byte first = b;
        if (first == (byte)'[')
        {
            // TryDmesg with printk's stamp: its seconds are read from Time when a report asks for them
            if (!LineUnwrapper.IsPrintkStamp(ref b, out int from)) return false;
            int m = SkipBlanks(ref b, 14, len);
            int rest = len - m;
            if (rest >= 4 && Unsafe.Add(ref b, m) == (byte)'[' && MayBeCallerId(ref Unsafe.Add(ref b, m), rest)) return false;
            if (rest >= 10)
            {
                int sp = LineUnwrapper.FirstBlank(MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref b, m), rest));
                if (sp > 0 && rest - sp - 1 >= 8 && Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref b, m + sp + 1)) == KernelTag)
                {
                    int hostAt = at + m;
                    m = SkipBlanks(ref b, m + sp + 9, len);
                    Counted();
                    _assembler.BootHost(MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_buf), hostAt), sp));
                    FlushPendingLane(ref meta, true);
                    metaHeld = false;
                    Hold(at + m, len - m, mayHash, LogWrapper.JournalMonotonic, 0, at, at + from, 13 - from, hostAt, sp, false);
                    return true;
                }
            }
            Counted();
            FlushPendingLane(ref meta, true);
            metaHeld = false;
            Hold(at + m, len - m, mayHash, LogWrapper.DmesgMonotonic, 0, at, at + from, 13 - from, -1, 0, false);
            return true;
        }
        if (first == (byte)' ')
        {
            int m = Continuation(ref b, len);
            if (m < 0) return false;
            // PhysicalLine for a line without a prefix after a wrapped one, indented 6 or more
            Counted();
            if (_pAmbiguous) _assembler.JournalHint = true;
            // after a continuation the meta handed on is the held-back line's too (keepMeta): not built again
            metaHeld = FlushPendingLane(ref meta, !metaHeld);
            // SetPending(keepMeta: true)
            _pLen = len - m;
            _pAt = at + m;
            _pKindKnown = false;
            _pMayHash = mayHash;
            return true;
        }
        {
            int h = _tLen;
            if (h == 0 || len < h || first != _tBytes[0] || !HeaderMatches(ref b, h)) return false;
            int stampAt = -1;
            if (_tStamp)
            {
                // TryHostTag's kernel stamp: printk's shape is the one TryMonotonic reads the same way (its seconds are
                // read from it when a report asks for them)
                if (len - h < 16 || !LineUnwrapper.IsPrintkStamp(ref Unsafe.Add(ref b, h), out _)) return false;
                stampAt = at + h;
                h += 14;
            }
            else if (len - h > 3 && Unsafe.Add(ref b, h) == (byte)'[' && MayBeKernelStamp(ref Unsafe.Add(ref b, h), len - h)) return false;
            int m = SkipBlanks(ref b, h, len);
            bool ambiguous = _tAmbiguous;
            Counted();
            _assembler.BootHost(MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref b, _tHostAt), _tHostLen));
            if (ambiguous && len - m >= 6 && MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref b, m), len - m).StartsWith("klogd "u8)) _assembler.SyslogHint = true;
            FlushPendingLane(ref meta, true);
            metaHeld = false;
            Hold(at + m, len - m, mayHash, _tWrapper, double.NaN, stampAt, at, _tTimeLen, at + _tHostAt, _tHostLen, ambiguous);
            return true;
        }
    }

    /// <summary>PhysicalLine's count of the lines read.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Counted()
    {
        if (_linesSeen < HeadLinesReadFully) _linesSeen++;
    }

    /// <summary>SetPending for a line with a prefix: every part is in the read buffer.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Hold(int msgAt, int msgLen, bool mayHash, LogWrapper wrapper, double uptime, int stampAt, int timeAt, int timeLen, int hostAt, int hostLen, bool ambiguous)
    {
        _pLen = msgLen;
        _pAt = msgAt;
        _pKindKnown = false;
        _pMayHash = mayHash;
        _pWrapper = wrapper;
        _pUptime = uptime;
        _pStampAt = stampAt;
        _pTimeLen = timeLen;
        _pTimeAt = timeAt;
        _pHostLen = hostLen;
        _pHostAt = hostAt;
        _pAmbiguous = ambiguous;
    }

    /// <summary>
    /// <see cref="FlushPending"/> for a line without <c>#</c> (nor /dev/kmsg's <c>\\x0a</c>), as almost every line,
    /// inlined into the lane; the others go to <see cref="FlushPending"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool FlushPendingLane(ref LineMeta meta, bool build)
    {
        int len = _pLen;
        if (len < 0) return false;
        ref byte b = ref MemoryMarshal.GetArrayDataReference(_buf);
        int at = _pAt;
        ReadOnlySpan<byte> msg = MemoryMarshal.CreateReadOnlySpan(ref at >= 0 ? ref Unsafe.Add(ref b, at) : ref MemoryMarshal.GetArrayDataReference(_pMsg), len);
        if (_pWrapper == LogWrapper.Kmsg || (_pMayHash && ShortSpans.Contains(msg, (byte)'#')))
        {
            FlushPending();
            return false;
        }
        _pLen = -1;
        if (build)
        {
            meta.Wrapper = _pWrapper;
            at = _pTimeAt;
            meta.Time = MemoryMarshal.CreateReadOnlySpan(ref at >= 0 ? ref Unsafe.Add(ref b, at) : ref MemoryMarshal.GetArrayDataReference(_pTime), _pTimeLen);
            at = _pHostAt;
            meta.Host = MemoryMarshal.CreateReadOnlySpan(ref at >= 0 ? ref Unsafe.Add(ref b, at) : ref MemoryMarshal.GetArrayDataReference(_pHost), _pHostLen);
            meta.SetUptime(_pUptime, PendingStamp);
            meta.HadSyslogEscape = false;
            meta.AmbiguousBsd = _pAmbiguous;
        }
        // a kind not asked for yet is decided by the assembler, which knows the section the line is in
        if (_pKindKnown) _assembler.Message(msg, _pKind, meta);
        else _assembler.Message(msg, meta);
        return true;
    }

    /// <summary>
    /// <paramref name="s"/> (<paramref name="n"/> bytes, '[' first) may be the kernel's stamp that TryHostTag strips: not
    /// when its first ']' in 24 bytes is at 1 or missing, or has no '.' before it, which the stamp needs (a task row,
    /// "[   4617]").
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool MayBeKernelStamp(ref byte s, int n)
    {
        int end = Math.Min(n, 24);
        bool dot = false;
        for (int i = 1; i < end; i++)
        {
            byte c = Unsafe.Add(ref s, i);
            if (c == (byte)']') return dot;
            if (c == (byte)'.') dot = true;
        }
        return false;
    }

    /// <summary>
    /// <paramref name="s"/> (<paramref name="n"/> bytes, at least 4, '[' first) may be printk's caller id as
    /// <see cref="LineUnwrapper"/>'s StripCallerId reads one: not when the first byte after the '[' that is not a blank
    /// (in its 16-byte window) is neither 'T' nor 'C' (a task row's pid, "[  pid  ]").
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool MayBeCallerId(ref byte s, int n)
    {
        int end = Math.Min(n, 16), i = 1;
        while (i < end && (Unsafe.Add(ref s, i) == (byte)' ' || Unsafe.Add(ref s, i) == (byte)'\t')) i++;
        return i < end && Unsafe.Add(ref s, i) is (byte)'T' or (byte)'C';
    }

    /// <summary>
    /// A later line of a multi-line record: at least 6 blanks (dmesg and journalctl indent them), then a message that
    /// the general path would not read as wrapped (no quote mark, priority, facility column, stamp or header start),
    /// after a held-back line with a wrapper that is not /dev/kmsg's. Where its message starts, or -1.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int Continuation(ref byte b, int len)
    {
        if (_pLen < 0 || _pWrapper is LogWrapper.None or LogWrapper.Kmsg) return -1;
        var blank = Vector128.Create((byte)' ');
        uint other = ~Vector128.Equals(Vector128.LoadUnsafe(ref b), blank).ExtractMostSignificantBits();
        int k = BitOperations.TrailingZeroCount(other); // 16 when all are: ~ set the bits above them
        if (k < 6) return -1;
        if (k == 16)
        {
            if (len >= 32)
            {
                other = ~Vector128.Equals(Vector128.LoadUnsafe(ref b, 16), blank).ExtractMostSignificantBits();
                k = 16 + BitOperations.TrailingZeroCount(other);
            }
            while (k < len && Unsafe.Add(ref b, k) == (byte)' ') k++;
        }
        if (k < len)
        {
            byte c = Unsafe.Add(ref b, k);
            // StripQuoting would go on ('\t', '>', '|'); a priority, a stamp, a kmsg or ISO header, a BSD header,
            // journalctl's "-- " lines: the general path decides
            byte start = ContinuationStarts[c];
            if (start == 0) return -1;
            if (start == 2)
            {
                if (!LineUnwrapper.NoFacilityColumns(ref Unsafe.Add(ref b, k), len - k)) return -1;
            }
        }
        return k;
    }

    /// <summary>
    /// What a continuation's first byte after its blanks says: 0 the general path decides ('\t', '>', '|' StripQuoting
    /// goes on with; a priority's '<', a stamp's '[', a digit (kmsg, ISO header), a capital (BSD header), journalctl's
    /// "-- "), 2 a lowercase letter (a facility column, maybe), 1 a message.
    /// </summary>
    private static ReadOnlySpan<byte> ContinuationStarts => [
        1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, // 0x00: '\t'
        1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 1, 0, 1, // 0x20: '-', digits, '<', '>'
        1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, // 0x40: capitals, '['
        1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 1, 0, 1, 1, 1, // 0x60: lowercase, '|'
        1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
        1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
        1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
        1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    ];

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int SkipBlanks(ref byte b, int i, int len)
    {
        while (i < len && (Unsafe.Add(ref b, i) == (byte)' ' || Unsafe.Add(ref b, i) == (byte)'\t')) i++;
        return i;
    }

    /// <summary>The line's first <paramref name="h"/> bytes (at least 16) are the template's, but for digits where it had stamp digits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool HeaderMatches(ref byte b, int h)
    {
        ref byte t = ref MemoryMarshal.GetArrayDataReference(_tBytes);
        ref byte v = ref MemoryMarshal.GetArrayDataReference(_tVar);
        int o = 0;
        while (true)
        {
            if (o > h - 16) o = h - 16; // the last block overlaps the one before
            var x = Vector128.LoadUnsafe(ref b, (nuint)o);
            var d = x - Vector128.Create((byte)'0');
            var digit = Vector128.Equals(Vector128.Min(d, Vector128.Create((byte)9)), d);
            var ok = Vector128.Equals(x, Vector128.LoadUnsafe(ref t, (nuint)o)) | (digit & Vector128.LoadUnsafe(ref v, (nuint)o));
            if (ok.ExtractMostSignificantBits() != 0xFFFF) return false;
            o += 16;
            if (o >= h) return true;
        }
    }

    /// <summary>
    /// After the general path read <paramref name="raw"/> as <paramref name="u"/>: a kernel line in a syslog or journal
    /// header that starts the line becomes the template the next lines are matched against.
    /// </summary>
    private void HeaderTemplate(ReadOnlySpan<byte> raw, in UnwrappedLine u)
    {
        if (u.Wrapper is not (LogWrapper.Syslog or LogWrapper.JournalPrecise or LogWrapper.JournalIso or LogWrapper.SyslogRfc3339)
            || u.IsForeign || u.Tag.Length != 6 || u.Time.IsEmpty || raw.IsEmpty)
            return;
        ref byte r = ref MemoryMarshal.GetReference(raw);
        if (!Unsafe.AreSame(ref r, ref MemoryMarshal.GetReference(u.Time))) return; // quoted, a priority: the general way
        int h = (int)Unsafe.ByteOffset(ref r, ref MemoryMarshal.GetReference(u.Tag)) + 6 + 2;
        int hostAt = (int)Unsafe.ByteOffset(ref r, ref MemoryMarshal.GetReference(u.Host));
        if (h < 16 || h > HeaderTemplateBytes || u.Time.Length > PendingTimeBytes || u.Host.Length > PendingHostBytes || u.Host.IsEmpty)
            return;
        bool stamp = u.HadKernelStamp;
        if (stamp && !LineUnwrapper.TryPrintkStamp(raw.Slice(h), out _, out _)) return;
        // the same shape as the template (the lane did not take the line for what follows the header): kept as it is
        if (h == _tLen && stamp == _tStamp && HeaderMatches(ref r, h)) return;
        raw.Slice(0, h).CopyTo(_tBytes);
        for (int i = 0; i < h; i++) _tVar[i] = i < u.Time.Length && LineUnwrapper.IsDigit(raw[i]) ? (byte)0xFF : (byte)0;
        _tLen = h;
        _tTimeLen = u.Time.Length;
        _tHostAt = hostAt;
        _tHostLen = u.Host.Length;
        _tWrapper = u.Wrapper;
        _tAmbiguous = u.AmbiguousBsd;
        _tStamp = stamp;
    }
}
