namespace OomWarden.KernelLog.Model;

/// <summary>
/// Buffers of released reports (their line store, their counter arrays) handed to the next reports, when the
/// consumer of the reports says it keeps none after its callback (<see cref="Parsing.OomEventAssembler.RecycleReports"/>).
/// A dense log then allocates a report's largest parts once per held report instead of once per report, and the
/// held reports carry old buffers that a collection does not copy. Bounded; not thread-safe (one per assembler).
/// </summary>
internal sealed class ReportPool
{
    /// <summary>More than the reports held for boot facts (64) and the open one.</summary>
    private const int MaxKept = 72;
    /// <summary>A global report's lines take ~2–4 KiB; a bigger store (hundreds of task rows) is not kept: at most 72 × 16 KiB here.</summary>
    private const int MaxLineBytesKept = 16 * 1024;
    /// <summary>Every pooled counter array has this length: a memcg stats block (35–50) or Mem-Info (~25) fits.</summary>
    public const int CounterSlots = 64;

    private readonly Stack<byte[]> _lines = new();
    private readonly Stack<(CounterName Name, long Value)[]> _counters = new();

    public byte[] RentLineBuffer(int fresh) => _lines.TryPop(out var b) ? b : new byte[fresh];

    public (CounterName Name, long Value)[] RentCounters() =>
        _counters.TryPop(out var c) ? c : new (CounterName, long)[CounterSlots];

    public void Return(byte[] lines)
    {
        if (lines.Length > 0 && lines.Length <= MaxLineBytesKept && _lines.Count < MaxKept) _lines.Push(lines);
    }

    public void Return((CounterName Name, long Value)[] counters)
    {
        if (counters.Length == CounterSlots && _counters.Count < MaxKept) _counters.Push(counters);
    }
}
