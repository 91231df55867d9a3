using OomWarden.Core.Engine;
using OomWarden.Core.Levels;

namespace OomWarden.Daemon;

/// <summary>Counts what the reclaim steps did, for status and the metrics: <c>oomwarden_reclaimed_bytes_total</c>
/// (memory.current's drop, summed) and <c>oomwarden_reclaim_steps_total{result}</c>. Subscribed to the bus once;
/// survives reloads.</summary>
public sealed class ReclaimCounters : IEventSink, ICounterSource
{
    private static readonly string[] Results = ["ok", "partial", "pressure", "gone", "failed", "dry_run"];
    private readonly long[] _steps = new long[Results.Length];
    private long _reclaimedBytes;

    public void Publish(EngineEvent e)
    {
        if (e is not ReclaimStepped s) return;
        Interlocked.Add(ref _reclaimedBytes, s.Step.ReclaimedBytes);
        int i = Array.IndexOf(Results, ReclaimStep.Name(s.Step.Result));
        if (i >= 0) Interlocked.Increment(ref _steps[i]);
    }

    public long ReclaimedBytes => Interlocked.Read(ref _reclaimedBytes);

    public void Collect(List<CounterSample> into)
    {
        into.Add(new CounterSample("oomwarden_reclaimed_bytes_total",
            "Bytes memory.current dropped by over oomwarden's memory.reclaim steps at the low level", ReclaimedBytes, []));
        for (int i = 0; i < Results.Length; i++)
            into.Add(new CounterSample("oomwarden_reclaim_steps_total", "memory.reclaim steps at the low level, by result",
                Interlocked.Read(ref _steps[i]), [new("result", Results[i])]));
    }
}
