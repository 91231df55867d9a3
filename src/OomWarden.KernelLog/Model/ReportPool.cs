namespace OomWarden.KernelLog.Model;

/// <summary>
/// Released reports, taken again by the next reports, when the consumer of the reports says it keeps none after its
/// callback (<see cref="Parsing.OomEventAssembler.RecycleReports"/>): a report comes back whole, with its line store,
/// counter arrays, lists and the objects it made (task rows, kills, zones, causes), so a dense log allocates a
/// report once per held report instead of once per report, and the held reports carry old objects that a
/// collection does not copy. Bounded. Rented by the assembler's thread, returned by the consumer's, which may be
/// another (<see cref="Parsing.OomEventAssembler.ConsumerRecycles"/>): a lock, taken twice a report.
/// </summary>
internal sealed class ReportPool
{
    /// <summary>More than the reports held for boot facts (64), the open one, and those a consumer's queue holds.</summary>
    private const int MaxKept = 160;

    private readonly Stack<OomReport> _reports = new();

    /// <summary>A released report (reset: as a new one reads) or a new one, drawing on this pool.</summary>
    public OomReport Rent()
    {
        OomReport? r;
        lock (_reports) _reports.TryPop(out r);
        if (r is null)
        {
            r = new OomReport();
            r.UsePool(this);
        }
        return r;
    }

    /// <summary>A report reset after its callback.</summary>
    public void Return(OomReport r)
    {
        lock (_reports)
            if (_reports.Count < MaxKept) _reports.Push(r);
    }
}
