namespace OomWarden.KernelLog.Model;

/// <summary>
/// One kernel OOM event as far as the text shows it. Every value is null when the report does not print it
/// (older kernel, truncated or damaged report). Lines kept here are the message parts (log prefix removed),
/// used as evidence by the diagnosis.
/// </summary>
public sealed class OomReport
{
    public const int MaxTaskRowsKept = 20_000;

    // Where and when.
    public LogFormat Format { get; set; }
    public LogWrapper Wrapper { get; set; }
    /// <summary>The first line had the BSD stamp that journalctl short and a syslog file share: the input's other lines decide.</summary>
    public bool WrapperAmbiguous { get; set; }
    /// <summary>The first line's time stamp as printed (e.g. "394.158309", "Sun Nov 22 23:42:39 2026", "Nov 22 23:42:39").</summary>
    public string? Time { get => TimeText.Get(_rowLines); set => TimeText.Set(value); }
    internal StoredLine TimeText;
    /// <summary>Seconds since boot, from a dmesg <c>[ 394.158309]</c> or kmsg stamp.</summary>
    public double? UptimeSeconds { get; set; }
    public string? Host { get; set; }
    public string? Kernel { get; set; }

    // Trigger.
    public string? TriggerComm { get; set; }
    public long? TriggerPid { get; set; }
    public string? GfpMask { get; set; }
    public int? Order { get; set; }
    public long? TriggerOomScoreAdj { get; set; }
    /// <summary>The old -17..15 scale: <c>oomkilladj=</c> (2.6.1x–2.6.3x) or <c>oom_adj=</c> (2.6.32–3.x).</summary>
    public long? TriggerOomAdj { get; set; }
    public string? TriggerLine { get => TriggerLineText.Get(_rowLines); set => TriggerLineText.Set(value); }
    internal StoredLine TriggerLineText;
    public string? CpuLine { get => CpuLineText.Get(_rowLines); set => CpuLineText.Set(value); }
    internal StoredLine CpuLineText;

    // Constraint and scope.
    public string? Constraint { get; set; }
    public string? Memcg { get; set; }
    public string? TaskMemcg { get; set; }
    public string? Cpuset { get; set; }
    public string? MemsAllowed { get; set; }
    public string? Nodemask { get; set; }
    public OomScope Scope { get; set; }
    public string? ConstraintLine { get => ConstraintLineText.Get(_rowLines); set => ConstraintLineText.Set(value); }
    internal StoredLine ConstraintLineText;
    public string? TaskInLine { get => TaskInLineText.Get(_rowLines); set => TaskInLineText.Set(value); }
    internal StoredLine TaskInLineText;
    public bool SawMemcgV1Marker { get; set; }
    public bool SawMemcgV2Marker { get; set; }
    public bool SawMemcgCallTrace { get; set; }

    // Selection and kill.
    public long? SelectedPid { get; set; }
    public string? SelectedComm { get; set; }
    public long? KilledScore { get; set; }
    public string? SelectionLine { get => SelectionLineText.Get(_rowLines); set => SelectionLineText.Set(value); }
    internal StoredLine SelectionLineText;
    public KilledTask? Killed { get; set; }
    public List<KilledTask> GroupKilled { get; } = new();
    public string? OomGroupMemcg { get; set; }
    public string? OomGroupLine { get => OomGroupLineText.Get(_rowLines); set => OomGroupLineText.Set(value); }
    internal StoredLine OomGroupLineText;
    public long? ReapedPid { get; set; }
    public long? ReapedAnonRssKb { get; set; }
    public long? ReapedFileRssKb { get; set; }
    public long? ReapedShmemRssKb { get; set; }
    public string? ReaperLine { get => ReaperLineText.Get(_rowLines); set => ReaperLineText.Set(value); }
    internal StoredLine ReaperLineText;

    // Memory cgroup counters.
    public long? MemcgUsageKb { get; set; }
    public long? MemcgLimitKb { get; set; }
    public long? MemcgFailcnt { get; set; }
    public string? MemcgUsageLine { get => MemcgUsageLineText.Get(_rowLines); set => MemcgUsageLineText.Set(value); }
    internal StoredLine MemcgUsageLineText;
    public long? MemswUsageKb { get; set; }
    public long? MemswLimitKb { get; set; }
    public string? MemswLine { get => MemswLineText.Get(_rowLines); set => MemswLineText.Set(value); }
    internal StoredLine MemswLineText;
    public long? SwapUsageKb { get; set; }
    public long? SwapLimitKb { get; set; }
    public string? SwapLine { get => SwapLineText.Get(_rowLines); set => SwapLineText.Set(value); }
    internal StoredLine SwapLineText;
    public long? KmemUsageKb { get; set; }
    public string? MemcgStatsPath { get; set; }
    public CounterList MemcgStats { get; } = new();
    /// <summary>True when the stats were printed on one line with KB units (kernels before 4.x): values are KiB, else bytes.</summary>
    public bool MemcgStatsInKb { get; set; }

    // System memory (Mem-Info).
    public CounterList MemInfoPages { get; } = new();
    /// <summary>The Mem-Info lines kept as evidence (at most <see cref="MaxMemInfoLinesKept"/>): made strings when first asked for.</summary>
    public IReadOnlyList<string> MemInfoLines => _memInfoLines.Strings(_rowLines);
    /// <summary>How many Mem-Info lines are kept (the count of <see cref="MemInfoLines"/>, without making strings).</summary>
    public int MemInfoLineCount => _memInfoLines.Count;
    public const int MaxMemInfoLinesKept = 24;
    private StoredLines _memInfoLines;

    /// <summary>Keeps a Mem-Info line's bytes (in the report's line store); ignored past <see cref="MaxMemInfoLinesKept"/>.</summary>
    internal void AddMemInfoLine(ReadOnlySpan<byte> line)
    {
        if (_memInfoLines.Count < MaxMemInfoLinesKept) _memInfoLines.Add(RowLines, line);
    }
    public List<ZoneInfo> Zones { get; } = new();
    public long? HugepagesTotalKb { get; set; }
    /// <summary>The per-node hugepage lines (<c>Node 0 hugepages_total=...</c>): made strings when first asked for.</summary>
    public IReadOnlyList<string> HugepageLines => _hugepageLines.Strings(_rowLines);
    private StoredLines _hugepageLines;
    internal void AddHugepageLine(ReadOnlySpan<byte> line) => _hugepageLines.Add(RowLines, line);
    public long? FreeSwapKb { get; set; }
    public long? TotalSwapKb { get; set; }
    public string? FreeSwapLine { get => FreeSwapLineText.Get(_rowLines); set => FreeSwapLineText.Set(value); }
    internal StoredLine FreeSwapLineText;
    public string? TotalSwapLine { get => TotalSwapLineText.Get(_rowLines); set => TotalSwapLineText.Set(value); }
    internal StoredLine TotalSwapLineText;
    public long? PagesRam { get; set; }
    public long? PagesReserved { get; set; }
    public string? PagesRamLine { get => PagesRamLineText.Get(_rowLines); set => PagesRamLineText.Set(value); }
    internal StoredLine PagesRamLineText;
    public long? PagecachePages { get; set; }
    public bool SawUnreclaimableSlabDump { get; set; }
    /// <summary>The largest caches of the unreclaimable slab dump, largest first (at most <see cref="MaxSlabCachesKept"/>).</summary>
    public List<SlabCache> SlabTop { get; } = new();
    public const int MaxSlabCachesKept = 8;

    // Task table.
    public string? TaskTableHeader { get; set; }
    /// <summary>The text holds a task table (its <c>Tasks state</c> line, header or a row); else <see cref="TaskTableRows"/> means nothing.</summary>
    public bool SawTaskTable { get; set; }
    public int TaskTableRows { get; set; }
    public List<TaskRow> Tasks { get; } = new();
    /// <summary>The task rows' text, kept as bytes until the diagnosis quotes a row.</summary>
    internal LineStore RowLines => _rowLines ??= new LineStore();
    /// <summary>The line store when one was made (the <see cref="StoredLine"/>s of this report live there).</summary>
    internal LineStore? Store => _rowLines;
    private LineStore? _rowLines;

    // Reuse (OomEventAssembler.RecycleReports): a released report goes back to its assembler's pool whole, with its
    // buffers, lists and the objects it made (task rows, kills, zones, causes), and is taken again by a later report.
    private ReportPool? _pool;
    private Spares? _spares;

    /// <summary>Objects of an earlier use of this report, taken again by the parsers and the diagnosis.</summary>
    private sealed class Spares
    {
        public readonly List<TaskRow> Rows = new();
        public readonly List<KilledTask> Kills = new();
        public readonly List<ZoneInfo> Zones = new();
        public readonly List<Cause> Causes = new();
        public readonly List<EvidenceLines> Evidence = new();
        public readonly List<FindingText> Findings = new();
    }

    /// <summary>A spare object of this report's earlier use, or null (a new one is made then).</summary>
    private static T? Take<T>(List<T> spares) where T : class
    {
        int n = spares.Count;
        if (n == 0) return null;
        var t = spares[n - 1];
        spares.RemoveAt(n - 1);
        return t;
    }

    /// <summary>Most objects a report keeps for its next use (a report with more rows makes the rest anew).</summary>
    private const int MaxSpares = 256;

    private static void Keep<T>(List<T> spares, T item)
    {
        if (spares.Count < MaxSpares) spares.Add(item);
    }

    /// <summary>Reports in a pool, released after their callback (see <see cref="Recycle"/>).</summary>
    internal bool Pooled => _pool is not null;

    internal void UsePool(ReportPool pool) => _pool = pool;

    internal TaskRow NewRow() => (_spares is { } s ? Take(s.Rows) : null) ?? new TaskRow();

    /// <summary>A row the parser took and did not keep (a damaged line).</summary>
    internal void ReturnRow(TaskRow row)
    {
        if (_spares is { } s) { row.Reset(); Keep(s.Rows, row); }
    }

    internal KilledTask NewKill() => (_spares is { } s ? Take(s.Kills) : null) ?? new KilledTask();

    internal ZoneInfo NewZone() => (_spares is { } s ? Take(s.Zones) : null) ?? new ZoneInfo();

    internal EvidenceLines NewEvidence() => (_spares is { } s ? Take(s.Evidence) : null) ?? new EvidenceLines();

    /// <summary>Evidence a rule built and did not use.</summary>
    internal void DropEvidence(EvidenceLines ev)
    {
        if (_spares is { } s) { ev.Clear(); Keep(s.Evidence, ev); }
    }

    internal FindingText NewFinding(FindingTemplate template) => ((_spares is { } s ? Take(s.Findings) : null) ?? new FindingText()).Start(template);

    /// <summary>Adds a cause of the diagnosis (from this report's spares when it has them).</summary>
    internal void AddCause(string code, FindingText finding, IReadOnlyList<string> evidence, string remedy)
    {
        var c = _spares is { } s ? Take(s.Causes) : null;
        Causes.Add(c is null ? new Cause(code, finding, evidence, remedy) : c.Set(code, finding, evidence, remedy));
    }

    internal void AddCause(string code, string finding, IReadOnlyList<string> evidence, string remedy)
    {
        var c = _spares is { } s ? Take(s.Causes) : null;
        Causes.Add(c is null ? new Cause(code, finding, evidence, remedy) : c.Set(code, finding, evidence, remedy));
    }

    /// <summary>Drops the causes of an earlier diagnosis (kept for reuse when this report is pooled).</summary>
    internal void ClearCauses()
    {
        if (_spares is { } s)
            foreach (var c in Causes)
            {
                if (c.Evidence is EvidenceLines ev) { ev.Clear(); Keep(s.Evidence, ev); }
                if (c.Parts is { } f) { f.Clear(); Keep(s.Findings, f); }
                c.Clear();
                Keep(s.Causes, c);
            }
        Causes.Clear();
    }

    /// <summary>
    /// The consumer is done with this report: it goes back to the pool, and it must not be read again. Called by the
    /// assembler after the callback, or by the consumer (any thread) when <see cref="Parsing.OomEventAssembler.ConsumerRecycles"/>;
    /// nothing for a report that is not pooled.
    /// </summary>
    public void Recycle()
    {
        if (_pool is not { } pool) return;
        Reset();
        pool.Return(this);
    }

    /// <summary>
    /// Every value back to what a new report has (the reflection test in RecycleTests checks each field), the objects
    /// kept for reuse.
    /// </summary>
    private void Reset()
    {
        var s = _spares ??= new Spares();
        foreach (var t in Tasks) { t.Reset(); Keep(s.Rows, t); }
        if (Killed is { } k) { k.Reset(); Keep(s.Kills, k); }
        foreach (var g in GroupKilled) { g.Reset(); Keep(s.Kills, g); }
        foreach (var z in Zones) { z.Reset(); Keep(s.Zones, z); }
        ClearCauses();
        Clear(Tasks);
        Clear(GroupKilled);
        Clear(Zones);
        Clear(SlabTop);
        MemcgStats.Clear();
        MemInfoPages.Clear();
        if (_rowLines is { } store && !store.Clear()) _rowLines = null;

        Format = default;
        Wrapper = default;
        WrapperAmbiguous = false;
        TimeText = default;
        UptimeSeconds = null;
        Host = null;
        Kernel = null;
        TriggerComm = null;
        TriggerPid = null;
        GfpMask = null;
        Order = null;
        TriggerOomScoreAdj = null;
        TriggerOomAdj = null;
        TriggerLineText = default;
        CpuLineText = default;
        Constraint = null;
        Memcg = null;
        TaskMemcg = null;
        Cpuset = null;
        MemsAllowed = null;
        Nodemask = null;
        Scope = default;
        ConstraintLineText = default;
        TaskInLineText = default;
        SawMemcgV1Marker = false;
        SawMemcgV2Marker = false;
        SawMemcgCallTrace = false;
        SelectedPid = null;
        SelectedComm = null;
        KilledScore = null;
        SelectionLineText = default;
        Killed = null;
        OomGroupMemcg = null;
        OomGroupLineText = default;
        ReapedPid = null;
        ReapedAnonRssKb = null;
        ReapedFileRssKb = null;
        ReapedShmemRssKb = null;
        ReaperLineText = default;
        MemcgUsageKb = null;
        MemcgLimitKb = null;
        MemcgFailcnt = null;
        MemcgUsageLineText = default;
        MemswUsageKb = null;
        MemswLimitKb = null;
        MemswLineText = default;
        SwapUsageKb = null;
        SwapLimitKb = null;
        SwapLineText = default;
        KmemUsageKb = null;
        MemcgStatsPath = null;
        MemcgStatsInKb = false;
        _memInfoLines.Clear();
        HugepagesTotalKb = null;
        _hugepageLines.Clear();
        FreeSwapKb = null;
        TotalSwapKb = null;
        FreeSwapLineText = default;
        TotalSwapLineText = default;
        PagesRam = null;
        PagesReserved = null;
        PagesRamLineText = default;
        PagecachePages = null;
        SawUnreclaimableSlabDump = false;
        TaskTableHeader = null;
        SawTaskTable = false;
        TaskTableRows = 0;
        EarlierKillsOfSameTask = 0;
        Index = 0;
    }

    /// <summary>Empties a list for reuse; one grown past a few hundred entries gives its array up.</summary>
    private static void Clear<T>(List<T> list)
    {
        list.Clear();
        if (list.Capacity > MaxSpares) list.Capacity = 0;
    }

    // Diagnosis (filled after assembly).
    public List<Cause> Causes { get; } = new();
    /// <summary>How many earlier events in the same input killed a task of the same name in the same memcg.</summary>
    public int EarlierKillsOfSameTask { get; set; }

    /// <summary>The kernel printed its <c>Mem-Info</c> counters (the part of the report that precedes the slab dump and the task table).</summary>
    public bool SawMemInfo => MemInfoLineCount > 0 || Zones.Count > 0 || PagesRamLineText.HasValue || TotalSwapLineText.HasValue || FreeSwapLineText.HasValue;

    /// <summary>
    /// Whether the kernel printed <c>Unreclaimable slab info:</c>: true when seen; false for a memcg OOM (the kernel
    /// prints it only for global ones) or when the report shows both sides of where it would be (Mem-Info before
    /// it, the task table or the kill line after it); else null.
    /// </summary>
    public bool? UnreclaimableSlabDumpShown =>
        SawUnreclaimableSlabDump ? true
        : Scope is OomScope.MemcgV1 or OomScope.MemcgV2 or OomScope.Memcg ? false
        : SawMemInfo && (SawTaskTable || Killed is not null) ? false : null;

    /// <summary>Sequence number of the event in its input, from 1.</summary>
    public int Index { get; set; }

    public long? KilledOomScoreAdj
    {
        get
        {
            if (Killed?.OomScoreAdj is long adj) return adj;
            var row = VictimRow;
            return row?.OomScoreAdj;
        }
    }

    public long? KilledPid => Killed?.Pid;

    /// <summary>The victim's row in the task table (by pid), if present.</summary>
    public TaskRow? VictimRow
    {
        get
        {
            long? pid = Killed?.Pid ?? SelectedPid;
            if (pid is null) return null;
            foreach (var row in Tasks)
                if (row.Pid == pid) return row;
            return null;
        }
    }

    public long? MemInfo(string key) => MemInfoPages.Find(key);

    public long? MemcgStat(string key) => MemcgStats.Find(key);

    /// <summary>
    /// Holds a line only an OOM kill prints. Mem-Info alone is not one: page allocation failure warnings and
    /// SysRq-m print it too.
    /// </summary>
    public bool IsOomKillReport =>
        TriggerLineText.HasValue || Killed is not null || SelectionLineText.HasValue || ConstraintLineText.HasValue
        || TaskTableRows > 0 || MemcgUsageLineText.HasValue || TaskInLineText.HasValue;

    /// <summary>True when the event holds anything at all worth reporting.</summary>
    public bool HasContent =>
        TriggerLineText.HasValue || Killed is not null || SelectionLineText.HasValue || ConstraintLineText.HasValue
        || MemInfoLineCount > 0 || TaskTableRows > 0 || MemcgUsageLineText.HasValue || TaskInLineText.HasValue;
}
