namespace OomWarden.KernelLog.Model;

/// <summary>
/// Released reports, taken again by the next reports, when the consumer of the reports says it keeps none after its
/// callback (<see cref="Parsing.OomEventAssembler.RecycleReports"/>): a report comes back whole, with its line store,
/// counter arrays, lists and the objects it made (task rows, kills, zones, causes), so a dense log allocates a
/// report once per held report instead of once per report, and the held reports carry old objects that a
/// collection does not copy. Bounded; not thread-safe (one per assembler).
/// </summary>
internal sealed class ReportPool
{
    /// <summary>More than the reports held for boot facts (64) and the open one.</summary>
    private const int MaxKept = 72;

    private readonly Stack<OomReport> _reports = new();

    /// <summary>A released report (reset: as a new one reads) or a new one, drawing on this pool.</summary>
    public OomReport Rent()
    {
        if (!_reports.TryPop(out var r))
        {
            r = new OomReport();
            r.UsePool(this);
        }
        return r;
    }

    /// <summary>A report reset after its callback.</summary>
    public void Return(OomReport r)
    {
        if (_reports.Count < MaxKept) _reports.Push(r);
    }
}
