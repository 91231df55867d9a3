namespace OomWarden.KernelLog.Parsing;

/// <summary>What a kernel message line is, as far as an OOM report is concerned.</summary>
public enum LineKind : byte
{
    Unrelated = 0,
    Trigger,
    CpuLine,
    CpusetLine,
    MemcgCallTrace,
    TaskIn,
    MemcgUsage,
    MemswUsage,
    SwapUsage,
    KmemUsage,
    MemcgStatsHeader,
    MemInfoStart,
    NodeLine,
    SwapTotals,
    PagesLine,
    TasksState,
    TaskHeader,
    TaskRow,
    Constraint,
    Selection,
    Kill,
    OomGroup,
    Reaper,
    SlabStart,
    KernelVersion,
    HostName,
    KeyValues,
}
