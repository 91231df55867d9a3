using OomWarden.Core.Collections;
using OomWarden.Core.Detection;
using OomWarden.Core.Engine;
using OomWarden.Core.Policy;

namespace OomWarden.Control;

/// <summary>A kill as status shows it (the last few are kept).</summary>
public sealed record RecentKill(DateTimeOffset Time, string Domain, string Victim, int? Pid, string? Comm, string Cgroup,
    string Signal, string Result, long? FreedBytes, double? ExitMs, double DecisionMs, string Reason, string Trigger, bool DryRun);

/// <summary>What status and the metrics need from the event bus and the engine does not keep: the last kills with
/// their freed bytes and timings, kills counted by domain, kind and trigger level, freed bytes, the decision latency
/// histogram, and each domain's graded warning level (from <see cref="WarningChanged"/>, once the engine publishes
/// it). A sink (loop thread, plus the kernel-log thread for other events) and an <see cref="ICounterSource"/>.
/// Lives as long as the process: a reload keeps it.</summary>
public sealed class ActivityRecorder : IEventSink, ICounterSource
{
    public const int RecentCapacity = 10;

    /// <summary>Upper bounds (ms) of the decision latency histogram's buckets.</summary>
    public static readonly double[] LatencyBucketsMs = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 1000];

    private readonly object _lock = new();
    private readonly Queue<RecentKill> _recent = new();
    // Counters keyed by strings with class values, not by value tuples: each value-type key or value compiles a
    // dictionary of its own into the daemon (docs/DESIGN.md, "The daemon's .hydrated"). Kills: in first-counted order.
    private readonly List<KillCount> _kills = [];
    private readonly Dictionary<string, long> _freed = new(StringComparer.Ordinal);
    private readonly Dictionary<string, WarningLevel> _warnings = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long[]> _warningsRaised = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ReleaseCount> _releases = new(StringComparer.Ordinal);
    private readonly Dictionary<long, string> _triggers = [];
    private readonly long[] _latencyBuckets = new long[LatencyBucketsMs.Length];
    private long _latencyCount;
    private double _latencySumMs;

    private sealed class KillCount(string domain, string kind, string trigger, bool dryRun)
    {
        public readonly string Domain = domain, Kind = kind, Trigger = trigger;
        public readonly bool DryRun = dryRun;
        public long N;
    }

    private sealed class ReleaseCount
    {
        public long Requests, FreedBytes;
    }

    public void Publish(EngineEvent e)
    {
        switch (e)
        {
            case Signalling s:
                lock (_lock) _triggers[s.Kill.Id] = TriggerOf(s.Kill);
                break;
            case Decided d:
                lock (_lock)
                {
                    _latencyCount++;
                    _latencySumMs += d.DecisionMs;
                    for (int i = 0; i < LatencyBucketsMs.Length; i++)
                        if (d.DecisionMs <= LatencyBucketsMs[i]) { _latencyBuckets[i]++; break; }
                }
                break;
            case Judged j:
                Record(j.Kill, j.Time, j.FreedBytes, j.ExitAfter?.TotalMilliseconds, dryRun: false);
                break;
            case WouldKill w:
                Record(w.Kill, w.Time, null, null, dryRun: true);
                break;
            case WarningChanged w:
                lock (_lock)
                {
                    _warnings[w.Domain.Name] = w.To;
                    // A rise to a level (not its reminders, not a fall) is one warning.
                    if (!w.IsRepeat && w.To > w.From)
                    {
                        if (!_warningsRaised.TryGetValue(w.Domain.Name, out var raised))
                            _warningsRaised[w.Domain.Name] = raised = new long[(int)WarningLevel.Critical + 1];
                        raised[(int)w.To]++;
                    }
                }
                break;
            case ReleaseMeasured m:
                lock (_lock)
                {
                    if (!_releases.TryGetValue(m.Request.Domain.Name, out var r)) _releases[m.Request.Domain.Name] = r = new ReleaseCount();
                    r.Requests++;
                    r.FreedBytes += m.Request.FreedBytes;
                }
                break;
        }
    }

    /// <summary>"term_level", "kill_level" (the domain's level when the victim was signalled) or "recovered".</summary>
    private static string TriggerOf(KillInFlight k) =>
        k.Recovered ? "recovered" : k.Domain.Level == PressureLevel.Kill ? "kill_level" : "term_level";

    private void Record(KillInFlight k, DateTimeOffset time, long? freed, double? exitMs, bool dryRun)
    {
        lock (_lock)
        {
            if (!_triggers.Remove(k.Id, out var trigger)) trigger = TriggerOf(k);
            string kind = k.WholeCgroup ? "cgroup" : "process";
            KillCount? count = null;
            foreach (var c in _kills)
                if (c.DryRun == dryRun && c.Domain == k.Domain.Name && c.Kind == kind && c.Trigger == trigger) { count = c; break; }
            if (count is null) _kills.Add(count = new KillCount(k.Domain.Name, kind, trigger, dryRun));
            count.N++;
            if (freed is long f && f > 0) _freed[k.Domain.Name] = _freed.GetValueOrDefault(k.Domain.Name) + f;
            _recent.Enqueue(new RecentKill(time, k.Domain.Name, kind, k.WholeCgroup ? null : k.Pid, k.WholeCgroup ? null : k.Comm,
                k.CgroupPath, Signals.Name(k.LastSignal == 0 ? k.FirstSignal : k.LastSignal), dryRun ? "dry_run" : k.Result,
                freed, exitMs, k.DecisionMs, k.Reason, trigger, dryRun));
            while (_recent.Count > RecentCapacity) _recent.Dequeue();
        }
    }

    /// <summary>Newest last.</summary>
    public RecentKill[] Recent()
    {
        lock (_lock) return [.. _recent];
    }

    /// <summary>The domain's graded warning level, or null when the engine never published one for it.</summary>
    public WarningLevel? WarningOf(string domain)
    {
        lock (_lock) return _warnings.TryGetValue(domain, out var w) ? w : null;
    }

    /// <summary>Cumulative counts per bucket (Prometheus "le"), the total count and the sum in milliseconds.</summary>
    public (long[] Cumulative, long Count, double SumMs) DecisionLatency()
    {
        lock (_lock)
        {
            var cumulative = new long[_latencyBuckets.Length];
            long running = 0;
            for (int i = 0; i < cumulative.Length; i++) cumulative[i] = running += _latencyBuckets[i];
            return (cumulative, _latencyCount, _latencySumMs);
        }
    }

    public void Collect(List<CounterSample> into)
    {
        lock (_lock)
        {
            // Stable, as the Linq OrderBy/ThenBy this replaces: a dry-run and a real count of one key keep their order.
            foreach (var c in StableSort.Sorted(_kills, static (a, b) =>
            {
                int o = string.CompareOrdinal(a.Domain, b.Domain);
                if (o == 0) o = string.Compare(a.Kind, b.Kind);
                return o != 0 ? o : string.Compare(a.Trigger, b.Trigger);
            }))
                into.Add(new CounterSample(c.DryRun ? "oomwarden_dry_run_kills_total" : "oomwarden_kills_total",
                    c.DryRun ? "Kills a dry run would have made, by domain, victim kind and trigger level." : "Kills made and judged, by domain, victim kind (process, cgroup) and trigger level.",
                    c.N, [new("domain", c.Domain), new("kind", c.Kind), new("reason", c.Trigger)]));
            foreach (var domain in SortedKeys(_freed))
                into.Add(new CounterSample("oomwarden_freed_bytes_total", "Memory the daemon's kills gave back to their domain, as the domain's own figure showed it.",
                    _freed[domain], [new("domain", domain)]));
            foreach (var domain in SortedKeys(_warningsRaised))
            {
                var raised = _warningsRaised[domain];
                for (int level = 0; level < raised.Length; level++)
                    if (raised[level] > 0)
                        into.Add(new CounterSample("oomwarden_warnings_total", "Graded warnings raised ([levels]): rises of a domain to a level, by domain and level.",
                            raised[level], [new("domain", domain), new("level", ((WarningLevel)level).ToString().ToLowerInvariant())]));
            }
            foreach (var domain in SortedKeys(_releases))
            {
                var r = _releases[domain];
                into.Add(new CounterSample("oomwarden_release_requests_total", "Subscribers asked to release memory at medium, by domain (each measured at its deadline).",
                    r.Requests, [new("domain", domain)]));
                into.Add(new CounterSample("oomwarden_released_bytes_total", "Memory subscribers freed on request, as oomwarden measured it (their footprint before and at the deadline).",
                    r.FreedBytes, [new("domain", domain)]));
            }
        }
    }

    private static string[] SortedKeys<TValue>(Dictionary<string, TValue> counts)
    {
        var keys = new string[counts.Count];
        counts.Keys.CopyTo(keys, 0);
        Array.Sort(keys, StringComparer.Ordinal);
        return keys;
    }
}
