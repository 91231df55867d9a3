using OomWarden.KernelLog.Diagnosis;
using OomWarden.KernelLog.Model;

namespace OomWarden.KernelLog.Parsing;

/// <summary>
/// Groups kernel messages (wrapper already removed) into <see cref="OomReport"/>s. An event starts at its first
/// OOM line (normally "invoked oom-killer", but a fragment may start anywhere) and ends when the next one starts,
/// after <see cref="QuietLinesToClose"/> unrelated lines, or at <see cref="Flush"/>. Not thread-safe.
/// </summary>
public sealed class OomEventAssembler
{
    public const int QuietLinesToClose = 400;
    /// <summary>Finished reports held back at most (file mode) while waiting for the boot's kernel version, host or wrapper evidence.</summary>
    public const int MaxHeldReports = 64;

    private enum Section : byte { None, MemcgStats, MemInfo, Tasks, Slab }

    private readonly Action<OomReport> _emit;
    private readonly KillHistory _history = new();
    private OomReport? _cur;
    private Section _section;
    private string[]? _columns;
    private string[]? _lastColumns;
    private byte[]? _codes, _lastCodes; // what each column of _columns, _lastColumns fills
    private readonly TaskHeaders _headers = new();
    private int _quiet;
    private CounterName? _lastMemInfo; // the same for Mem-Info's counters
    private CounterName? _lastStat; // the stat line read last (any report): a hint for the name of the next
    private int _count;
    private readonly BootInfo _boot = new();
    private readonly Queue<OomReport> _held = new();

    public OomEventAssembler(Action<OomReport> emit) => _emit = emit;

    /// <summary>
    /// File mode: a finished report that lacks the kernel version, the host or a clear wrapper waits (at most
    /// <see cref="MaxHeldReports"/>, until the boot changes or the input ends) for a later line of the same boot
    /// to tell it. Off for --follow, where a report is released as soon as it is complete.
    /// </summary>
    public bool HoldForBootInfo { get; set; }

    /// <summary>
    /// The consumer of the reports keeps none of them (nor any list of one) after its callback returns: then the
    /// buffers of each released report (line store, counter arrays) are reused for the next ones, and the report must
    /// not be read after the callback. Its strings and values may be kept. Off by default.
    /// </summary>
    public bool RecycleReports
    {
        get => _pool is not null;
        set => _pool = value ? _pool ?? new ReportPool() : null;
    }

    private ReportPool? _pool;

    /// <summary>
    /// With <see cref="RecycleReports"/>: the consumer hands each report back itself, with <see cref="OomReport.Recycle"/>,
    /// once it is done with it, from any thread (a consumer that writes reports on a thread of its own). Until then the
    /// report is its own; a report never handed back is collected as any other.
    /// </summary>
    public bool ConsumerRecycles { get; set; }

    /// <summary>
    /// The consumer diagnoses each report itself (<see cref="OomDiagnosis.Diagnose"/>, before it reads the causes), as
    /// the first thing it does with it: a consumer on a thread of its own takes that work off the reading thread. The
    /// diagnosis reads only the report's own facts and its <see cref="OomReport.EarlierKillsOfSameTask"/>, which are
    /// set when it is finished, so the causes are the same. Off by default: the assembler diagnoses.
    /// </summary>
    public bool ConsumerDiagnoses { get; set; }

    /// <summary>True when no event is open: the reader may skip ahead to the next marker.</summary>
    public bool Idle => _cur is null;

    /// <summary>
    /// The reader may skip to the next marker line: no event is open, or the open one has its kill line and only
    /// lines that carry a marker (more kills of an oom.group, the reaper, the next report) can still join it.
    /// </summary>
    public bool CanSkip => _cur is null || (_cur.Killed is not null && _section == Section.None);

    /// <summary>The open event has its kill line (so a quiet period may close it).</summary>
    public bool CurrentHasKill => _cur?.Killed is not null;

    public int EventsEmitted => _count;

    /// <summary>Evidence that BSD-stamped lines are a syslog file: rsyslogd/syslogd/klogd lines, <c>#012</c> escapes, <c>-- MARK --</c>.</summary>
    public bool SyslogHint { get; set; }

    /// <summary>Evidence that BSD-stamped lines are journalctl output: its <c>-- Logs begin at</c>/<c>-- Boot</c> lines, indented multi-line records.</summary>
    public bool JournalHint { get; set; }

    /// <summary>The kernel version and host of the boot being read, from any line of it.</summary>
    private sealed class BootInfo
    {
        private string? _kernel, _host;

        public string? Kernel { get => _kernel; set { _kernel = value; Changes++; } }
        public string? Host { get => _host; set { _host = value; Changes++; } }
        /// <summary>Counts every change: held reports need filling again only after one.</summary>
        public int Changes { get; private set; }

        public void Reset()
        {
            Kernel = null;
            Host = null;
        }
    }

    // _boot.Changes when the held reports were last filled (a report is filled when it is queued, too)
    private int _heldFilledAt = -1;

    /// <summary>A line said which kernel runs (a taint line of another report or splat): kept for the boot's reports that lack it.</summary>
    public void BootKernel(string kernel)
    {
        if (_boot.Kernel is null) _boot.Kernel = kernel;
        FillHeld();
    }

    /// <summary>A line of this boot named the host (a syslog/journal prefix, systemd's <c>Hostname set to</c>, a <c>uname -a</c> line).</summary>
    public void BootHost(ReadOnlySpan<byte> host)
    {
        if (_boot.Host is not null || host.IsEmpty) return;
        _boot.Host = Bytes.Text(host);
        FillHeld();
    }

    /// <summary>A new boot starts (its <c>Linux version</c> banner, journalctl's <c>-- Boot</c> line): what the last boot said no longer applies.</summary>
    public void NewBoot()
    {
        Finish();
        ReleaseHeld();
        _boot.Reset();
    }

    public void Message(ReadOnlySpan<byte> m, in LineMeta meta)
    {
        // The section says what comes next: inside a memcg stats block (35–50 lines a report) a line is read as a
        // stat first, and only one that is not is classified. Same result as classifying first: a stat line is
        // unrelated to the classifier unless its name holds the memcg frame.
        if (_section == Section.MemcgStats && _cur is { } r
            && MessageParsers.TryStat(m, _lastStat, out var name, out long value) && !name!.MayBeOtherKind)
        {
            _lastStat = name;
            MessageParsers.AddMemcgStat(name, value, r);
            _quiet = 0;
            return;
        }
        // Mem-Info's counter lines likewise (~8 a global report): one that is of their shape only is unrelated to the classifier
        if (_section == Section.MemInfo && _cur is { } g && MessageParsers.TryCounterLine(m, g.MemInfoPages, ref _lastMemInfo))
        {
            g.AddMemInfoLine(m);
            _quiet = 0;
            return;
        }
        var kind = MessageClassifier.Classify(m);
        if (kind == LineKind.Unrelated && _section == Section.None)
        {
            // Unrelated(m) for the lines of no section (frames, register dumps: ~30 a report), without its calls
            if (_cur is not null && ++_quiet >= QuietLinesToClose) Finish();
            return;
        }
        Message(m, kind, meta);
    }

    public void Message(ReadOnlySpan<byte> m, LineKind kind, in LineMeta meta)
    {
        switch (kind)
        {
            case LineKind.Unrelated:
                Unrelated(m);
                return;
            case LineKind.KernelVersion:
                if (MessageParsers.KernelFromLinuxLine(m, out var uname) is { } k)
                {
                    if (m.StartsWith("Linux version "u8)) NewBoot(); // the banner: first line of a boot
                    _boot.Kernel = k;
                    if (!uname.IsEmpty) BootHost(uname);
                    if (_cur is not null) _cur.Kernel ??= k;
                    FillHeld();
                }
                else Unrelated(m);
                return;
            case LineKind.HostName:
                if (MessageParsers.HostFromSystemdLine(m) is var h && !h.IsEmpty) BootHost(h);
                else Unrelated(m);
                return;
            case LineKind.MemcgCallTrace:
                if (_cur is not null) { _cur.SawMemcgCallTrace = true; _quiet = 0; }
                return;
            case LineKind.CpuLine:
                // The stack header of this report, or of a warning or another splat (then only its kernel counts).
                if (_cur is null || _cur.Killed is not null || _cur.CpuLineText.HasValue)
                {
                    if (MessageParsers.KernelFromTaintLine(m) is { } tk) BootKernel(tk);
                    if (_cur is not null) Unrelated(m);
                    return;
                }
                break;
        }

        var r = Open(kind, meta);
        _quiet = 0;
        switch (kind)
        {
            case LineKind.Trigger: MessageParsers.Trigger(m, r); _section = Section.None; break;
            case LineKind.CpuLine:
                MessageParsers.CpuLine(m, r);
                if (r.Kernel is { } ck) BootKernel(ck);
                break;
            case LineKind.CpusetLine: MessageParsers.CpusetLine(m, r); break;
            case LineKind.TaskIn: MessageParsers.TaskIn(m, r); break;
            case LineKind.MemcgUsage:
            case LineKind.MemswUsage:
            case LineKind.SwapUsage:
            case LineKind.KmemUsage:
                MessageParsers.Usage(m, kind, r); _section = Section.None; break;
            case LineKind.MemcgStatsHeader:
                // v1 kernels print one block per cgroup of the subtree: the first is the one that hit its limit
                if (r.MemcgStatsPath is null) { MessageParsers.MemcgStatsHeader(m, r); _section = Section.MemcgStats; }
                else _section = Section.None;
                break;
            case LineKind.MemInfoStart:
                _section = Section.MemInfo;
                r.AddMemInfoLine("Mem-Info:"u8);
                break;
            case LineKind.NodeLine:
                MessageParsers.NodeLine(m, r);
                if (m.IndexOf("per-cpu"u8) < 0) _section = Section.None; // old kernels print per-cpu lists before the counters
                break;
            case LineKind.SwapTotals: MessageParsers.SwapTotals(m, r); _section = Section.None; break;
            case LineKind.PagesLine: MessageParsers.PagesLine(m, r); _section = Section.None; break;
            case LineKind.TasksState: _section = Section.Tasks; r.SawTaskTable = true; break;
            case LineKind.TaskHeader:
                // every report of a kernel prints the same header: its columns and text are made once
                var header = _headers.Find(m);
                _columns = header.Columns;
                _codes = header.Codes;
                if (_columns is not null) { _lastColumns = _columns; _lastCodes = _codes; }
                r.TaskTableHeader = header.Text;
                r.SawTaskTable = true;
                _section = Section.Tasks;
                break;
            case LineKind.TaskRow:
                // rows past the cap are counted, and need no text
                var row = _columns is not null
                    ? MessageParsers.TaskRow(m, _columns, r.Tasks.Count < OomReport.MaxTaskRowsKept ? r.RowLines : null, r, _codes)
                    : MessageParsers.TaskRow(m, _lastColumns, r.Tasks.Count < OomReport.MaxTaskRowsKept ? r.RowLines : null, r, _lastCodes);
                if (row is not null)
                {
                    r.SawTaskTable = true;
                    r.TaskTableRows++;
                    if (r.Tasks.Count < OomReport.MaxTaskRowsKept) r.Tasks.Add(row);
                    else r.ReturnRow(row);
                }
                _section = Section.Tasks;
                break;
            case LineKind.Constraint: MessageParsers.Constraint(m, r); _section = Section.None; break;
            case LineKind.Selection: MessageParsers.Selection(m, r); _section = Section.None; break;
            case LineKind.Kill:
                var k = MessageParsers.Kill(m, r.RowLines, r);
                if (k is not null)
                {
                    if (r.Killed is null) r.Killed = k;
                    else if (r.GroupKilled.Count < 10_000) r.GroupKilled.Add(k);
                }
                _section = Section.None;
                break;
            case LineKind.OomGroup: MessageParsers.OomGroup(m, r); break;
            case LineKind.Reaper: MessageParsers.Reaper(m, r); break;
            case LineKind.SlabStart: r.SawUnreclaimableSlabDump = true; _section = Section.Slab; break;
        }
        if (meta.HadSyslogEscape) SyslogHint = true;
    }

    private void Unrelated(ReadOnlySpan<byte> m)
    {
        var r = _cur;
        if (r is null) return;
        bool used = false;
        switch (_section)
        {
            case Section.MemcgStats:
                used = MessageParsers.MemcgStatLine(m, r);
                break;
            case Section.MemInfo:
                // 2.6.18 prints per-cpu lists ("cpu 0 hot: high 0, batch 1 used:0") before the counters
                if (m.IndexOf((byte)':') > 0 && !m.StartsWith("cpu "u8) && MessageParsers.AddColonPairs(m, r.MemInfoPages) > 0)
                {
                    r.AddMemInfoLine(m);
                    used = true;
                }
                break;
            case Section.Slab:
                used = m.StartsWith("Name "u8) || MessageParsers.SlabRow(m, r);
                break;
        }
        if (used) { _quiet = 0; return; }
        if (++_quiet >= QuietLinesToClose) Finish();
    }

    /// <summary>Returns the event this line belongs to, closing the open one first when the line starts a new report.</summary>
    private OomReport Open(LineKind kind, in LineMeta meta)
    {
        var r = _cur;
        if (r is not null && StartsNewEvent(r, kind))
        {
            Finish();
            r = null;
        }
        if (r is null)
        {
            r = _pool?.Rent() ?? new OomReport();
            r.Wrapper = meta.Wrapper;
            r.WrapperAmbiguous = meta.AmbiguousBsd;
            if (!meta.Time.IsEmpty) r.TimeText.Set(r.RowLines, meta.Time); // a string only when read
            r.Host = meta.Host.IsEmpty ? null : Bytes.Key(meta.Host); // every report of a host names it
            r.UptimeSeconds = double.IsNaN(meta.UptimeSeconds) ? null : meta.UptimeSeconds;
            _cur = r;
            _columns = null;
            _section = Section.None;
        }
        return r;
    }

    private static bool StartsNewEvent(OomReport r, LineKind kind)
    {
        bool killed = r.Killed is not null;
        return kind switch
        {
            LineKind.Trigger => r.HasContent,
            LineKind.CpuLine => r.CpuLineText.HasValue || killed,
            LineKind.TaskIn => r.TaskInLineText.HasValue || killed,
            LineKind.MemcgUsage => r.MemcgUsageLineText.HasValue || killed,
            LineKind.MemInfoStart => r.MemInfoLineCount > 0 || killed,
            LineKind.TasksState or LineKind.TaskHeader => r.TaskTableHeader is not null || killed,
            LineKind.TaskRow => killed || r.ConstraintLineText.HasValue,
            LineKind.Constraint => r.ConstraintLineText.HasValue || killed,
            LineKind.Selection => r.SelectionLineText.HasValue || killed,
            LineKind.Kill => killed && !r.OomGroupLineText.HasValue,
            _ => false,
        };
    }

    /// <summary>Closes the open event, if any (held reports stay held).</summary>
    public void CloseCurrent() => Finish();

    /// <summary>Closes the open event, if any, and releases every held report (end of input, or a quiet period in follow mode).</summary>
    public void Flush()
    {
        Finish();
        ReleaseHeld();
    }

    private void Finish()
    {
        var r = _cur;
        _cur = null;
        _section = Section.None;
        _quiet = 0;
        if (r is null) return;
        if (!r.IsOomKillReport)
        {
            if (_pool is not null) r.Recycle(); // never emitted: nobody holds it
            return;
        }
        r.Scope = ScopeOf(r);
        // the stats header names the cgroup that hit its limit: use it when the constraint line was lost or cut
        if (r.Scope is OomScope.MemcgV1 or OomScope.MemcgV2 or OomScope.Memcg) r.Memcg ??= r.MemcgStatsPath;
        r.Index = ++_count;
        r.EarlierKillsOfSameTask = _history.Record(r);
        if (!ConsumerDiagnoses) OomDiagnosis.Diagnose(r);
        if (r.Host is { } host && _boot.Host is null) { _boot.Host = host; FillHeld(); }
        Fill(r);
        if (HoldForBootInfo && (_held.Count > 0 || !Complete(r)))
        {
            _held.Enqueue(r);
            if (_held.Count >= MaxHeldReports) ReleaseHeld();
            return;
        }
        Release(r);
    }

    private bool Complete(OomReport r) => r.Kernel is not null && r.Host is not null && (!r.WrapperAmbiguous || SyslogHint || JournalHint);

    private void Fill(OomReport r)
    {
        r.Kernel ??= _boot.Kernel;
        r.Host ??= _boot.Host;
    }

    /// <summary>A boot fact arrived: fill the held reports, and release them (in order) once the first is complete.</summary>
    private void FillHeld()
    {
        if (_held.Count == 0) return;
        if (_heldFilledAt != _boot.Changes)
        {
            foreach (var r in _held) Fill(r);
            _heldFilledAt = _boot.Changes;
        }
        while (_held.Count > 0 && Complete(_held.Peek())) Release(_held.Dequeue());
    }

    private void ReleaseHeld()
    {
        while (_held.Count > 0) Release(_held.Dequeue());
    }

    private void Release(OomReport r)
    {
        Fill(r);
        if (r.WrapperAmbiguous) r.Wrapper = JournalHint && !SyslogHint ? LogWrapper.Journal : LogWrapper.Syslog;
        r.Format = LogFormatNames.FormatOf(r.Wrapper);
        _emit(r);
        if (_pool is not null && !ConsumerRecycles) r.Recycle();
    }

    public static OomScope ScopeOf(OomReport r)
    {
        switch (r.Constraint)
        {
            case "CONSTRAINT_CPUSET": return OomScope.Cpuset;
            case "CONSTRAINT_MEMORY_POLICY": return OomScope.Mempolicy;
            case "CONSTRAINT_NONE": return OomScope.Global;
            case "CONSTRAINT_MEMCG": return MemcgVersion(r);
        }
        bool memcg = r.MemcgUsageLineText.HasValue || r.TaskInLineText.HasValue || r.SawMemcgCallTrace
            || (r.Killed?.Reason?.StartsWith("Memory cgroup", StringComparison.Ordinal) ?? false)
            || (r.SelectionLine?.StartsWith("Memory cgroup", StringComparison.Ordinal) ?? false);
        if (memcg) return MemcgVersion(r);
        bool global = r.MemInfoLineCount > 0
            || (r.Killed?.Reason?.StartsWith("Out of", StringComparison.OrdinalIgnoreCase) ?? false)
            || (r.SelectionLine?.StartsWith("Out of", StringComparison.OrdinalIgnoreCase) ?? false);
        return global ? OomScope.Global : OomScope.Unknown;
    }

    private static OomScope MemcgVersion(OomReport r) =>
        r.SawMemcgV1Marker ? OomScope.MemcgV1 : r.SawMemcgV2Marker ? OomScope.MemcgV2 : OomScope.Memcg;
}
