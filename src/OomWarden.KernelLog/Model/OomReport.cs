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
    public string? Time { get; set; }
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
    public IReadOnlyList<string> MemInfoLines
    {
        get
        {
            if (_memInfoLines is null || _memInfoLines.Count != _memInfoCount)
            {
                var list = new List<string>(_memInfoCount);
                for (int i = 0; i < _memInfoCount; i++) list.Add(RowLines.Text(_memInfoAt![2 * i], _memInfoAt[2 * i + 1]));
                _memInfoLines = list;
            }
            return _memInfoLines;
        }
    }
    /// <summary>How many Mem-Info lines are kept (the count of <see cref="MemInfoLines"/>, without making strings).</summary>
    public int MemInfoLineCount => _memInfoCount;
    public const int MaxMemInfoLinesKept = 24;
    private int[]? _memInfoAt;
    private int _memInfoCount;
    private List<string>? _memInfoLines;

    /// <summary>Keeps a Mem-Info line's bytes (in the report's line store); ignored past <see cref="MaxMemInfoLinesKept"/>.</summary>
    internal void AddMemInfoLine(ReadOnlySpan<byte> line)
    {
        if (_memInfoCount >= MaxMemInfoLinesKept) return;
        _memInfoAt ??= new int[2 * MaxMemInfoLinesKept];
        _memInfoAt[2 * _memInfoCount] = RowLines.Add(line);
        _memInfoAt[2 * _memInfoCount + 1] = line.Length;
        _memInfoCount++;
    }
    public List<ZoneInfo> Zones { get; } = new();
    public long? HugepagesTotalKb { get; set; }
    public List<string> HugepageLines { get; } = new();
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
    internal LineStore RowLines => _rowLines ??= _pool is null ? new LineStore() : new LineStore(_pool);
    private ReportPool? _pool;

    /// <summary>This report's buffers come from <paramref name="pool"/> (see <see cref="Recycle"/>).</summary>
    internal void UsePool(ReportPool pool)
    {
        _pool = pool;
        MemcgStats.Pool = pool;
        MemInfoPages.Pool = pool;
    }

    /// <summary>The consumer is done with this report: its buffers go back to the pool, and it must not be read again.</summary>
    internal void Recycle()
    {
        if (_pool is not { } pool) return;
        _rowLines?.Recycle(pool);
        MemcgStats.Recycle(pool);
        MemInfoPages.Recycle(pool);
    }
    /// <summary>The line store when one was made (the <see cref="StoredLine"/>s of this report live there).</summary>
    internal LineStore? Store => _rowLines;
    private LineStore? _rowLines;

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
