using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using OomWarden.KernelLog.Model;

namespace OomWarden.KernelLog.Parsing;

/// <summary>
/// Streams log text into <see cref="OomReport"/>s: reads chunks into one reusable buffer, jumps between OOM
/// markers with vectorised <c>IndexOf</c> while no event is open, and inside an event unwraps every line,
/// re-joins lines broken by folding or wrapping, splits <c>#012</c> / <c>\x0a</c> escapes and multi-line
/// records, and hands the messages to the <see cref="OomEventAssembler"/>. Memory is bounded by
/// <see cref="MaxLineBytes"/> and the per-event caps of <see cref="OomReport"/>, whatever the input.
/// </summary>
public sealed partial class OomLogReader
{
    public const int MaxLineBytes = 64 * 1024;
    private const int BufferBytes = 1 << 20;

    /// <summary>
    /// Lines worth looking at outside an event. Few and chosen so the vectorised search's first/last-byte filter
    /// rarely fires on ordinary text: "kill" covers "oom-killer", "oom-kill:" and the old "kill process"; "Kill"
    /// covers "Killed process" and "Kill process"; "Mem-" covers "Mem-Info:"; "Tasks s" and "memory: u" start
    /// fragments; "Linux version" (boot banner) and "name to &lt;" (systemd's "Hostname set to &lt;h&gt;.") tell
    /// the boot's kernel and host; "oom_reaper" is searched only while a killed report is open. The search
    /// compares each marker's first and last bytes first: pairs that rarely stand at that distance in ordinary
    /// text keep it fast (see <see cref="MarkerSearch"/>; <see cref="IdleMarkerFilter"/> is a test of that kind written for
    /// these markers: a marker added here must be added there, or the search's construction throws). A false hit (e.g.
    /// "pkill") only costs one line.
    /// </summary>
    private static readonly byte[][] Markers =
    [
        "kill"u8.ToArray(),
        "Kill"u8.ToArray(),
        "Mem-"u8.ToArray(),
        "Tasks s"u8.ToArray(),
        "memory: u"u8.ToArray(),
        "Linux version"u8.ToArray(),
        "name to <"u8.ToArray(),
    ];

    /// <summary>The search between reports.</summary>
    public static readonly MarkerSearch IdleSearch = new MarkerSearch<IdleMarkerFilter>(Markers);
    /// <summary>While a report with its kill line stays open: the same, and the reaper line that may still join it.</summary>
    public static readonly MarkerSearch AfterKillSearch = new MarkerSearch<AfterKillMarkerFilter>([.. Markers, "oom_reaper"u8.ToArray()]);

    /// <summary>A report stays open this far past its kill line for the reaper and oom.group lines, then it is closed.</summary>
    public const int AfterKillBytes = 64 * 1024;

    /// <summary>The first lines are read one by one even outside events: they tell journal output from a syslog file.</summary>
    private const int HeadLinesReadFully = 64;

    private readonly Action<OomReport> _emit;
    private OomEventAssembler _assembler;
    private int _linesSeen;
    private byte[] _buf;
    private int _start, _end;
    private bool _discardToNewline;
    // The marker search's progress in _buf: the next hit (-1: none before _scannedTo), for which marker set.
    private int _hit = -1;
    private int _scannedTo;
    private MarkerSearch? _hitSearch;
    // Absolute input offset of _buf[0], and of the first line skipped after the open report's kill line.
    private long _absBase;
    private long _killAbs = -1;

    // The last logical line, held back until we know whether the next physical line continues it. Its message,
    // stamp and host stay where they were read (offsets into _buf, -1 when not there) and are copied into the
    // arrays below only when a continuation is appended or the buffer is about to move (see KeepPending): most
    // lines of a report are handed on unchanged. Its kind is decided when it is first needed (PendingKind).
    private readonly byte[] _pMsg = new byte[MaxLineBytes];
    private int _pLen = -1;
    private int _pAt = -1;
    private const int PendingTimeBytes = 64, PendingHostBytes = 128;
    private readonly byte[] _pTime = new byte[PendingTimeBytes];
    private int _pTimeLen;
    private int _pTimeAt = -1;
    private readonly byte[] _pHost = new byte[PendingHostBytes];
    private int _pHostLen;
    private int _pHostAt = -1;
    private LogWrapper _pWrapper;
    private bool _pAmbiguous;
    private double _pUptime;
    private bool _pMayHash = true; // false: the held-back message has no '#' (the line end's search saw none): no #012 check
    // printk's stamp the uptime is read from when asked (LineMeta.UptimeStamp), in the read buffer; -1: _pUptime is the value
    private int _pStampAt = -1;
    private LineKind _pKind;
    private bool _pKindKnown;
    private readonly bool _holdForBootInfo;

    /// <summary>The smallest buffer that still holds a line of <see cref="MaxLineBytes"/> and the next chunk.</summary>
    public const int MinBufferBytes = 2 * MaxLineBytes;

    /// <param name="emit">Called with each report, in input order.</param>
    /// <param name="holdForBootInfo">File mode: see <see cref="OomEventAssembler.HoldForBootInfo"/>; false for a live log.</param>
    /// <param name="bufferBytes">The read buffer: 1 MiB suits files; a follower fed one record at a time
    /// (/dev/kmsg, 8 KiB at most) needs only <see cref="MinBufferBytes"/>, which keeps the daemon's heap small.</param>
    public OomLogReader(Action<OomReport> emit, bool holdForBootInfo = false, int bufferBytes = BufferBytes)
    {
        _buf = new byte[Math.Max(bufferBytes, MinBufferBytes)];
        _emit = emit;
        _holdForBootInfo = holdForBootInfo;
        _assembler = new OomEventAssembler(emit) { HoldForBootInfo = holdForBootInfo };
        InvalidateMarkers();
    }

    /// <summary>Forgets everything read so far (open event, held-back line, history) but keeps the buffers: for reuse on a new input.</summary>
    public void Reset()
    {
        _assembler = new OomEventAssembler(_emit) { HoldForBootInfo = _holdForBootInfo };
        _start = _end = 0;
        _absBase = 0;
        _killAbs = -1;
        _pLen = -1;
        _pAt = _pTimeAt = _pHostAt = _pStampAt = -1;
        _linesSeen = 0;
        _tLen = 0;
        _discardToNewline = false;
        InvalidateMarkers();
    }

    public OomEventAssembler Assembler => _assembler;

    /// <summary>Reads <paramref name="stream"/> to its end and flushes the last event.</summary>
    /// <param name="readAhead">Read on a thread of its own, ahead of this one (<see cref="ReadAhead"/>): for a file or a
    /// stream over one, not for a source that may block for long (a terminal). The same reports.</param>
    public void ReadToEnd(Stream stream, CancellationToken cancel = default, bool readAhead = false)
    {
        if (readAhead)
        {
            ReadAheadOf(stream, cancel);
            Complete();
            return;
        }
        while (true)
        {
            cancel.ThrowIfCancellationRequested();
            MakeRoom();
            int n = stream.Read(_buf, _end, _buf.Length - _end);
            if (n <= 0) break;
            _end += n;
            Process(eof: false);
        }
        Complete();
    }

    private void ReadAheadOf(Stream stream, CancellationToken cancel)
    {
        var own = _buf;
        using var ahead = new ReadAhead(stream, own.Length);
        ReadAhead.Chunk? current = null;
        bool between = true; // not inside Process: what is left is the unfinished line
        try
        {
            while (true)
            {
                cancel.ThrowIfCancellationRequested();
                var next = ahead.Take();
                if (next is null) break;
                // the unfinished line (Process leaves less than MaxLineBytes) goes in front of the chunk's bytes
                int tail = _end - _start;
                if (tail > ReadAhead.HeadRoomBytes) throw new InvalidOperationException($"{tail} bytes left over by Process");
                int at = ReadAhead.HeadRoomBytes - tail;
                _buf.AsSpan(_start, tail).CopyTo(next.Bytes.AsSpan(at));
                _absBase += _start - at;
                _buf = next.Bytes;
                _start = at;
                _end = ReadAhead.HeadRoomBytes + next.Length;
                if (current is not null) ahead.Return(current);
                current = next;
                InvalidateMarkers();
                between = false;
                Process(eof: false);
                between = true;
            }
        }
        finally
        {
            // back to the reader's own buffer with what is left (the unfinished line), for Complete or an error's handler
            // (a read error). An exception out of Process (the consumer's: its output closed) leaves a reader that is
            // not read on, as without reading ahead: it keeps nothing of the chunk.
            if (!ReferenceEquals(_buf, own))
            {
                int tail = between ? _end - _start : 0;
                _buf.AsSpan(_start, tail).CopyTo(own);
                _absBase += _start;
                _buf = own;
                _start = 0;
                _end = tail;
                InvalidateMarkers();
            }
        }
    }

    /// <summary>Reads everything from <paramref name="stream"/> and returns the reports.</summary>
    public static List<OomReport> ReadAll(Stream stream)
    {
        var list = new List<OomReport>();
        new OomLogReader(list.Add, holdForBootInfo: true).ReadToEnd(stream);
        return list;
    }

    public static List<OomReport> ReadAll(ReadOnlySpan<byte> text)
    {
        var list = new List<OomReport>();
        var reader = new OomLogReader(list.Add, holdForBootInfo: true);
        reader.Feed(text);
        reader.Complete();
        return list;
    }

    /// <summary>Adds bytes (any split: lines may span calls) and processes the complete lines.</summary>
    public void Feed(ReadOnlySpan<byte> data)
    {
        while (!data.IsEmpty)
        {
            MakeRoom();
            int n = Math.Min(data.Length, _buf.Length - _end);
            data.Slice(0, n).CopyTo(_buf.AsSpan(_end));
            _end += n;
            data = data.Slice(n);
            Process(eof: false);
        }
    }

    /// <summary>End of input: the last unterminated line, the held-back line and the open event are processed.</summary>
    public void Complete()
    {
        Process(eof: true);
        FlushPending();
        _assembler.Flush();
    }

    /// <summary>Processes the held-back line and closes the open event if it already has its kill line (follow mode, after a quiet spell).</summary>
    public void FlushIfKilled()
    {
        FlushPending();
        if (_assembler.CurrentHasKill) _assembler.Flush();
    }

    private void MakeRoom()
    {
        if (_end < _buf.Length) return;
        if (_start > 0)
        {
            _absBase += _start;
            Buffer.BlockCopy(_buf, _start, _buf, 0, _end - _start);
            _end -= _start;
            _start = 0;
            InvalidateMarkers();
        }
    }

    private void InvalidateMarkers()
    {
        _hit = -1;
        _scannedTo = 0;
        _hitSearch = null;
    }

    private void Process(bool eof)
    {
        LineMeta meta = default; // the lane's, for every line it hands on
        bool metaHeld = false; // meta is the held-back line's (it was handed on with it, and that one was continued)
        int pos = _start;
        var buf = _buf;
        while (pos < _end)
        {
            if (_discardToNewline)
            {
                int e = buf.AsSpan(pos, _end - pos).IndexOf((byte)'\n');
                if (e < 0) { pos = _end; break; }
                pos += e + 1;
                _discardToNewline = false;
                continue;
            }
            if (_linesSeen >= HeadLinesReadFully && _assembler.CanSkip && PendingSkippable())
            {
                metaHeld = false;
                int limit = eof ? _end : pos + buf.AsSpan(pos, _end - pos).LastIndexOf((byte)'\n') + 1;
                // a line of MaxLineBytes or more with no end in the buffer (a run of NULs a crash left, a blob): waiting
                // for its end would fill the buffer and end the input there. What is here is searched; on a hit the line
                // is read from its start as in an event (cut, the rest dropped), else it is dropped.
                bool overlong = false;
                if (limit <= pos)
                {
                    if (_end - pos < MaxLineBytes) break; // the line's end is in the next read
                    limit = _end;
                    overlong = true;
                }
                var search = IdleSearch;
                if (!_assembler.Idle)
                {
                    // a killed report is open: close it once the reaper had its chance
                    long here = _absBase + pos;
                    if (_killAbs < 0) _killAbs = here;
                    long closeAt = _killAbs + AfterKillBytes;
                    if (here >= closeAt) { _assembler.CloseCurrent(); _killAbs = -1; continue; }
                    search = AfterKillSearch;
                    if (closeAt - _absBase < limit)
                    {
                        int cap = (int)(closeAt - _absBase);
                        int nlBefore = buf.AsSpan(pos, cap - pos).LastIndexOf((byte)'\n');
                        if (nlBefore >= 0) limit = pos + nlBefore + 1;
                        else
                        {
                            // pos starts the line that crosses the window's end: search that line only, so that the
                            // window is the same however the input was read (it ran on to the end of the buffer)
                            int nlAfter = buf.AsSpan(cap, limit - cap).IndexOf((byte)'\n');
                            if (nlAfter >= 0) limit = cap + nlAfter + 1;
                        }
                    }
                }
                else _killAbs = -1;
                int hit = NextMarker(search, pos, limit);
                if (hit < 0)
                {
                    pos = limit;
                    if (overlong) _discardToNewline = true;
                    continue;
                }
                int ls = buf.AsSpan(pos, hit - pos).LastIndexOf((byte)'\n');
                pos = ls < 0 ? pos : pos + ls + 1;
            }
            // a line read in full is searched for '#' (syslog's #012) in the same blocks as its end
            // (0 <= pos <= _end <= buf.Length: no check)
            ref byte at = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(buf), pos);
            int nl = ShortSpans.IndexOfNear(MemoryMarshal.CreateReadOnlySpan(ref at, _end - pos), (byte)'\n', (byte)'#', out bool hashNear);
            if (nl < 0)
            {
                if (eof) { PhysicalLine(buf.AsSpan(pos, _end - pos)); pos = _end; }
                else if (_end - pos >= MaxLineBytes) { PhysicalLine(buf.AsSpan(pos, MaxLineBytes)); pos = _end; _discardToNewline = true; }
                break;
            }
            int len = Math.Min(nl, MaxLineBytes);
            if (!LaneEnabled || !Lane(ref at, pos, len, hashNear, ref meta, ref metaHeld))
            {
                PhysicalLine(buf.AsSpan(pos, len));
                metaHeld = false;
            }
            pos += nl + 1;
        }
        KeepPending();
        _start = pos;
        if (_start == _end) { _absBase += _end; _start = _end = 0; InvalidateMarkers(); }
        else if (_start > _buf.Length / 2) MakeRoomForce();
    }

    private void MakeRoomForce()
    {
        _absBase += _start;
        Buffer.BlockCopy(_buf, _start, _buf, 0, _end - _start);
        _end -= _start;
        _start = 0;
        InvalidateMarkers();
    }

    /// <summary>The first marker hit at or after <paramref name="pos"/> (and before <paramref name="limit"/>, a line end), or -1.</summary>
    private int NextMarker(MarkerSearch search, int pos, int limit)
    {
        if (!ReferenceEquals(search, _hitSearch)) { _hit = -1; _scannedTo = pos; _hitSearch = search; }
        if (_hit >= pos) return _hit < limit ? _hit : -1;
        int from = Math.Max(pos, _scannedTo);
        if (from >= limit) return -1;
        int idx = search.IndexOfAny(_buf.AsSpan(from, limit - from));
        // markers hold no newline and limit is a line end: a marker starting before limit ends before it
        if (idx < 0) { _hit = -1; _scannedTo = limit; return -1; }
        _hit = from + idx;
        _scannedTo = _hit + 1;
        return _hit;
    }

    private bool PendingSkippable()
    {
        if (_pLen < 0) return true;
        if (PendingKind() is LineKind.Unrelated or LineKind.KernelVersion or LineKind.MemcgCallTrace or LineKind.HostName or LineKind.Reaper)
        {
            FlushPending();
            return _assembler.CanSkip;
        }
        return false;
    }

    private void PhysicalLine(ReadOnlySpan<byte> raw)
    {
        GeneralLines++;
        if (_linesSeen < HeadLinesReadFully) _linesSeen++;
        LineUnwrapper.Unwrap(raw, out var u);
        if (u.Tag.Length == 6) HeaderTemplate(raw, u);
        if (u.IsForeign)
        {
            ForeignLine(u);
            return;
        }
        if (!u.Host.IsEmpty) _assembler.BootHost(u.Host);
        if (u.AmbiguousBsd && u.Message.StartsWith("klogd "u8)) _assembler.SyslogHint = true;
        if (!u.HasPrefix && u.Message.StartsWith("-- "u8)) JournalMarks(u.Message);
        if (!u.HasPrefix && _pLen >= 0)
        {
            if (_pWrapper != LogWrapper.None)
            {
                if (_pWrapper == LogWrapper.Kmsg && u.Indent > 0) return; // kmsg dictionary (" SUBSYSTEM=...")
                if (u.Indent >= 6 || u.Message.IsEmpty)
                {
                    // 2nd+ line of a multi-line record (dmesg/journal indent them; a syslog daemon never does)
                    if (_pAmbiguous && u.Indent >= 6) _assembler.JournalHint = true;
                    FlushPending();
                    SetPending(u.Message, _pWrapper, default, default, _pUptime, keepMeta: true);
                }
                else AppendPending(u.Message); // a line broken in two (fold, mail wrap)
                return;
            }
            if (JoinsOther(u.Message))
            {
                AppendPending(u.Message);
                return;
            }
        }
        FlushPending();
        SetPending(u.Message, u.Wrapper, u.Time, u.Host, u.UptimeSeconds, keepMeta: false);
        _pAmbiguous = u.AmbiguousBsd;
    }

    /// <summary>A journal or syslog line from something else than the kernel: it ends the held-back line and is no part of a report.</summary>
    private void ForeignLine(in UnwrappedLine u)
    {
        Evidence(u);
        FlushPending();
        var none = LineMeta.None;
        _assembler.Message(default, LineKind.Unrelated, none);
    }

    /// <summary>A syslog daemon's own lines ("rsyslogd:" without a pid, as rsyslog logs itself; sysklogd's "syslogd 1.4.1:"; syslog-ng).</summary>
    private void Evidence(in UnwrappedLine u)
    {
        if (u.Tag.SequenceEqual("rsyslogd"u8) || u.Tag.StartsWith("syslogd"u8) || u.Tag.StartsWith("syslog-ng"u8)) _assembler.SyslogHint = true;
        if (u.Message.StartsWith("-- MARK --"u8)) _assembler.SyslogHint = true;
    }

    /// <summary>journalctl's own lines: "-- Logs begin at ...", "-- Journal begins at ...", "-- Boot 0f3c... --", "-- Reboot --", "-- No entries --".</summary>
    private void JournalMarks(ReadOnlySpan<byte> m)
    {
        if (m.IndexOf("Logs begin at"u8) > 0 || m.IndexOf("Journal begins at"u8) > 0 || m.StartsWith("-- No entries --"u8))
            _assembler.JournalHint = true;
        else if (m.StartsWith("-- Boot "u8) || m.StartsWith("-- Reboot --"u8))
        {
            _assembler.JournalHint = true;
            FlushPending();
            _assembler.NewBoot();
        }
        else if (m.StartsWith("-- MARK --"u8)) _assembler.SyslogHint = true;
    }

    /// <summary>Without prefixes, a broken line is recognised by its content: the rest of a trigger, kill or constraint line.</summary>
    private bool JoinsOther(ReadOnlySpan<byte> m)
    {
        // a task-table row or header whose last column (the name) went to the next line
        var p = PendingMessage;
        if (p.Length > 0 && p[0] == (byte)'[' && !m.IsEmpty && m.Length <= 64 && m.IndexOfAny((byte)' ', (byte)'\t') < 0
            && MessageClassifier.Classify(m) == LineKind.Unrelated)
            return true;
        if (m.IsEmpty || PendingKind() is not (LineKind.Trigger or LineKind.Kill or LineKind.Constraint or LineKind.Selection or LineKind.CpuLine)) return false;
        if (MessageClassifier.Classify(m) != LineKind.Unrelated) return false;
        var head = m.Slice(0, Math.Min(m.Length, 24));
        return head.IndexOfAny((byte)'=', (byte)':') >= 0 || head.StartsWith("kB"u8) || head.StartsWith("B,"u8) || head.StartsWith("(GFP"u8)
            || head.IndexOf("#"u8) >= 0 || (p.Length > 0 && p[^1] != (byte)' ' && head.IndexOf((byte)' ') < 0);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void SetPending(ReadOnlySpan<byte> msg, LogWrapper wrapper, ReadOnlySpan<byte> time, ReadOnlySpan<byte> host, double uptime, bool keepMeta)
    {
        // the lengths in locals (the arrays' constant sizes): a field read back after its store costs a load
        int len = Math.Min(msg.Length, MaxLineBytes);
        _pLen = len;
        _pAt = InBuffer(msg.Slice(0, len), _pMsg);
        _pWrapper = wrapper;
        _pUptime = uptime;
        if (!keepMeta)
        {
            len = Math.Min(time.Length, PendingTimeBytes);
            _pTimeLen = len;
            _pTimeAt = InBuffer(time.Slice(0, len), _pTime);
            len = Math.Min(host.Length, PendingHostBytes);
            _pHostLen = len;
            _pHostAt = InBuffer(host.Slice(0, len), _pHost);
            _pStampAt = -1;
        }
        _pMayHash = true;
        _pKindKnown = false;
    }

    /// <summary>The offset of <paramref name="s"/> in the read buffer; -1 when it is not there (then it is copied into <paramref name="own"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int InBuffer(ReadOnlySpan<byte> s, byte[] own)
    {
        // every line handed to PhysicalLine is a slice of _buf: its offset is the distance from _buf's first byte
        if (s.IsEmpty) return -1; // nothing to copy (a dmesg line has no host): no call
        long at = Unsafe.ByteOffset(ref MemoryMarshal.GetArrayDataReference(_buf), ref MemoryMarshal.GetReference(s));
        if (at >= 0 && at + s.Length <= _end) return (int)at;
        s.CopyTo(own);
        return -1;
    }

    private ReadOnlySpan<byte> PendingMessage
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => _pAt >= 0 ? _buf.AsSpan(_pAt, _pLen) : _pMsg.AsSpan(0, _pLen);
    }

    /// <summary>The held-back line's printk stamp for its uptime, or empty (see <see cref="_pStampAt"/>).</summary>
    private ReadOnlySpan<byte> PendingStamp
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => _pStampAt >= 0 ? MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_buf), _pStampAt), 14) : default;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private LineKind PendingKind()
    {
        if (!_pKindKnown)
        {
            _pKind = MessageClassifier.Classify(PendingMessage);
            _pKindKnown = true;
        }
        return _pKind;
    }

    /// <summary>The held-back line's bytes into its own arrays: the read buffer is about to be compacted or refilled.</summary>
    private void KeepPending()
    {
        if (_pAt >= 0) { _buf.AsSpan(_pAt, Math.Max(_pLen, 0)).CopyTo(_pMsg); _pAt = -1; }
        if (_pTimeAt >= 0) { _buf.AsSpan(_pTimeAt, _pTimeLen).CopyTo(_pTime); _pTimeAt = -1; }
        if (_pHostAt >= 0) { _buf.AsSpan(_pHostAt, _pHostLen).CopyTo(_pHost); _pHostAt = -1; }
        if (_pStampAt >= 0) { _pUptime = LineUnwrapper.PrintkStampSeconds(ref _buf[_pStampAt]); _pStampAt = -1; } // the stamp goes: its value
    }

    private void AppendPending(ReadOnlySpan<byte> more)
    {
        KeepPending();
        int n = Math.Min(more.Length, _pMsg.Length - _pLen);
        more.Slice(0, n).CopyTo(_pMsg.AsSpan(_pLen));
        _pLen += n;
        _pMayHash = true;
        _pKindKnown = false;
    }

    /// <summary>
    /// <c>msg.IndexOf("#012"u8) &gt;= 0</c> as single-byte searches for '#' (for a line that has none, as almost every
    /// line, one inline check: <see cref="ShortSpans.Contains"/>): the substring search costs more on the short lines of
    /// a report.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool HasSyslogEscape(ReadOnlySpan<byte> msg)
    {
        if (!ShortSpans.Contains(msg, (byte)'#')) return false;
        while (true)
        {
            int at = msg.IndexOf((byte)'#');
            if (at < 0) return false;
            if (msg.Slice(at + 1).StartsWith("012"u8)) return true;
            msg = msg.Slice(at + 1);
        }
    }

    /// <summary><c>msg.IndexOf(sep)</c> as searches for its first byte (<see cref="ShortSpans.IndexOfBlocks"/>): the parts of a joined record are short.</summary>
    private static int IndexOfSeparator(ReadOnlySpan<byte> msg, ReadOnlySpan<byte> sep)
    {
        int from = 0;
        while (true)
        {
            int i = ShortSpans.IndexOfBlocks(msg.Slice(from), sep[0]);
            if (i < 0) return -1;
            if (msg.Slice(from + i).StartsWith(sep)) return from + i;
            from += i + 1;
        }
    }

    private void FlushPending()
    {
        int len = _pLen;
        if (len < 0) return;
        _pLen = -1;
        // the parts' offsets and lengths are within the buffers by construction (SetPending, KeepPending): no checks
        ref byte b = ref MemoryMarshal.GetArrayDataReference(_buf);
        int at = _pAt;
        ReadOnlySpan<byte> msg = MemoryMarshal.CreateReadOnlySpan(ref at >= 0 ? ref Unsafe.Add(ref b, at) : ref MemoryMarshal.GetArrayDataReference(_pMsg), len);
        at = _pTimeAt;
        var meta = new LineMeta
        {
            Wrapper = _pWrapper,
            Time = MemoryMarshal.CreateReadOnlySpan(ref at >= 0 ? ref Unsafe.Add(ref b, at) : ref MemoryMarshal.GetArrayDataReference(_pTime), _pTimeLen),
            UptimeSeconds = _pUptime,
            UptimeStamp = PendingStamp,
            AmbiguousBsd = _pAmbiguous,
        };
        at = _pHostAt;
        meta.Host = MemoryMarshal.CreateReadOnlySpan(ref at >= 0 ? ref Unsafe.Add(ref b, at) : ref MemoryMarshal.GetArrayDataReference(_pHost), _pHostLen);
        ReadOnlySpan<byte> sep = default;
        if (HasSyslogEscape(msg)) { sep = "#012"u8; meta.HadSyslogEscape = true; }
        else if (_pWrapper == LogWrapper.Kmsg && msg.IndexOf("\\x0a"u8) >= 0) sep = "\\x0a"u8;
        if (sep.IsEmpty)
        {
            // a kind not asked for yet is decided by the assembler, which knows the section the line is in
            if (_pKindKnown) _assembler.Message(msg, _pKind, meta);
            else _assembler.Message(msg, meta);
            return;
        }
        while (true)
        {
            int i = IndexOfSeparator(msg, sep);
            var part = i < 0 ? msg : msg.Slice(0, i);
            part = LineUnwrapper.TrimStart(part);
            _assembler.Message(part, meta);
            if (i < 0) break;
            msg = msg.Slice(i + sep.Length);
        }
    }
}
