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

    private enum Section : byte { None, MemcgStats, MemInfo, Tasks, Slab }

    private readonly Action<OomReport> _emit;
    private readonly KillHistory _history = new();
    private OomReport? _cur;
    private Section _section;
    private string[]? _columns;
    private string[]? _lastColumns;
    private int _quiet;
    private int _count;
    private string? _kernelFromBanner;

    public OomEventAssembler(Action<OomReport> emit) => _emit = emit;

    /// <summary>True when no event is open: the reader may skip ahead to the next marker.</summary>
    public bool Idle => _cur is null;

    /// <summary>The open event has its kill line (so a quiet period may close it).</summary>
    public bool CurrentHasKill => _cur?.Killed is not null;

    public int EventsEmitted => _count;

    /// <summary>The input showed it is a syslog file (rsyslogd/syslogd/klogd lines): BSD-stamped lines are syslog, not journal.</summary>
    public bool SyslogHint { get; set; }

    /// <summary>The input showed it is journalctl output ("-- Logs begin at", "-- Boot ...").</summary>
    public bool JournalHint { get; set; }

    public void Message(ReadOnlySpan<byte> m, in LineMeta meta)
    {
        var kind = MessageClassifier.Classify(m);
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
                if (MessageParsers.KernelFromLinuxLine(m) is { } k)
                {
                    _kernelFromBanner = k;
                    if (_cur is not null) _cur.Kernel ??= k;
                }
                else Unrelated(m);
                return;
            case LineKind.MemcgCallTrace:
                if (_cur is not null) { _cur.SawMemcgCallTrace = true; _quiet = 0; }
                return;
        }

        var r = Open(kind, meta);
        _quiet = 0;
        switch (kind)
        {
            case LineKind.Trigger: MessageParsers.Trigger(m, r); _section = Section.None; break;
            case LineKind.CpuLine: MessageParsers.CpuLine(m, r); break;
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
                r.MemInfoLines.Add("Mem-Info:");
                break;
            case LineKind.NodeLine:
                MessageParsers.NodeLine(m, r);
                if (m.IndexOf("per-cpu"u8) < 0) _section = Section.None; // old kernels print per-cpu lists before the counters
                break;
            case LineKind.SwapTotals: MessageParsers.SwapTotals(m, r); _section = Section.None; break;
            case LineKind.PagesLine: MessageParsers.PagesLine(m, r); _section = Section.None; break;
            case LineKind.TasksState: _section = Section.Tasks; break;
            case LineKind.TaskHeader:
                _columns = MessageParsers.TaskHeader(m);
                if (_columns is not null) _lastColumns = _columns;
                r.TaskTableHeader = Bytes.Text(m);
                _section = Section.Tasks;
                break;
            case LineKind.TaskRow:
                var row = MessageParsers.TaskRow(m, _columns ?? _lastColumns);
                if (row is not null)
                {
                    r.TaskTableRows++;
                    if (r.Tasks.Count < OomReport.MaxTaskRowsKept) r.Tasks.Add(row);
                }
                _section = Section.Tasks;
                break;
            case LineKind.Constraint: MessageParsers.Constraint(m, r); _section = Section.None; break;
            case LineKind.Selection: MessageParsers.Selection(m, r); _section = Section.None; break;
            case LineKind.Kill:
                var k = MessageParsers.Kill(m);
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
        if (meta.HadSyslogEscape) r.Wrapper = LogWrapper.Syslog;
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
                if (m.IndexOf((byte)':') > 0 && MessageParsers.AddColonPairs(m, r.MemInfoPages) > 0)
                {
                    if (r.MemInfoLines.Count < 24) r.MemInfoLines.Add(Bytes.Text(m));
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
            r = new OomReport
            {
                Wrapper = meta.Wrapper,
                Time = meta.Time.IsEmpty ? null : Bytes.Text(meta.Time),
                Host = meta.Host.IsEmpty ? null : Bytes.Text(meta.Host),
                UptimeSeconds = double.IsNaN(meta.UptimeSeconds) ? null : meta.UptimeSeconds,
            };
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
            LineKind.CpuLine => r.CpuLine is not null || killed,
            LineKind.TaskIn => r.TaskInLine is not null || killed,
            LineKind.MemcgUsage => r.MemcgUsageLine is not null || killed,
            LineKind.MemInfoStart => r.MemInfoLines.Count > 0 || killed,
            LineKind.TasksState or LineKind.TaskHeader => r.TaskTableHeader is not null || killed,
            LineKind.TaskRow => killed || r.ConstraintLine is not null,
            LineKind.Constraint => r.ConstraintLine is not null || killed,
            LineKind.Selection => r.SelectionLine is not null || killed,
            LineKind.Kill => killed && r.OomGroupLine is null,
            _ => false,
        };
    }

    /// <summary>Closes the open event, if any (end of input, or a quiet period in follow mode).</summary>
    public void Flush() => Finish();

    private void Finish()
    {
        var r = _cur;
        _cur = null;
        _section = Section.None;
        _quiet = 0;
        if (r is null || !r.IsOomKillReport) return;
        if (r.Wrapper == LogWrapper.Journal && SyslogHint && !JournalHint) r.Wrapper = LogWrapper.Syslog;
        r.Format = LogFormatNames.FormatOf(r.Wrapper);
        r.Kernel ??= _kernelFromBanner;
        r.Scope = ScopeOf(r);
        // the stats header names the cgroup that hit its limit: use it when the constraint line was lost or cut
        if (r.Scope is OomScope.MemcgV1 or OomScope.MemcgV2 or OomScope.Memcg) r.Memcg ??= r.MemcgStatsPath;
        r.Index = ++_count;
        r.EarlierKillsOfSameTask = _history.Record(r);
        OomDiagnosis.Diagnose(r);
        _emit(r);
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
        bool memcg = r.MemcgUsageLine is not null || r.TaskInLine is not null || r.SawMemcgCallTrace
            || (r.Killed?.Reason?.StartsWith("Memory cgroup", StringComparison.Ordinal) ?? false)
            || (r.SelectionLine?.StartsWith("Memory cgroup", StringComparison.Ordinal) ?? false);
        if (memcg) return MemcgVersion(r);
        bool global = r.MemInfoLines.Count > 0
            || (r.Killed?.Reason?.StartsWith("Out of", StringComparison.OrdinalIgnoreCase) ?? false)
            || (r.SelectionLine?.StartsWith("Out of", StringComparison.OrdinalIgnoreCase) ?? false);
        return global ? OomScope.Global : OomScope.Unknown;
    }

    private static OomScope MemcgVersion(OomReport r) =>
        r.SawMemcgV1Marker ? OomScope.MemcgV1 : r.SawMemcgV2Marker ? OomScope.MemcgV2 : OomScope.Memcg;
}
