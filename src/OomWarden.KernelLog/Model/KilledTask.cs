namespace OomWarden.KernelLog.Model;

/// <summary>A <c>Killed process</c> line.</summary>
public sealed class KilledTask
{
    public long Pid { get; set; }
    public string Comm { get; set; } = "";
    public long? TotalVmKb { get; set; }
    public long? AnonRssKb { get; set; }
    public long? FileRssKb { get; set; }
    public long? ShmemRssKb { get; set; }
    public long? Uid { get; set; }
    public long? PageTablesKb { get; set; }
    public long? OomScoreAdj { get; set; }
    /// <summary>Text before "Killed process", e.g. "Memory cgroup out of memory" or "Out of memory (oom_kill_allocating_task)".</summary>
    public string? Reason { get; set; }
    /// <summary>The kill line as printed (message part): made from the report's stored bytes when first asked for.</summary>
    public string Line { get => LineText.Get(Store) ?? ""; set => LineText.Set(value); }
    internal StoredLine LineText;
    internal LineStore? Store;

    /// <summary>As a new one (for its report's next use).</summary>
    internal void Reset()
    {
        Pid = 0;
        Comm = "";
        TotalVmKb = AnonRssKb = FileRssKb = ShmemRssKb = Uid = PageTablesKb = OomScoreAdj = null;
        Reason = null;
        LineText = default;
        Store = null;
    }
}
