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
    private readonly Dictionary<(string Domain, string Kind, string Trigger, bool DryRun), long> _kills = [];
    private readonly Dictionary<string, long> _freed = new(StringComparer.Ordinal);
    private readonly Dictionary<string, WarningLevel> _warnings = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Domain, WarningLevel Level), long> _warningsRaised = [];
    private readonly Dictionary<string, (long Requests, long FreedBytes)> _releases = new(StringComparer.Ordinal);
    private readonly Dictionary<long, string> _triggers = [];
    private readonly long[] _latencyBuckets = new long[LatencyBucketsMs.Length];
    private long _latencyCount;
    private double _latencySumMs;

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
                        _warningsRaised[(w.Domain.Name, w.To)] = _warningsRaised.GetValueOrDefault((w.Domain.Name, w.To)) + 1;
                }
                break;
            case ReleaseMeasured m:
                lock (_lock)
                {
                    var r = _releases.GetValueOrDefault(m.Request.Domain.Name);
                    _releases[m.Request.Domain.Name] = (r.Requests + 1, r.FreedBytes + m.Request.FreedBytes);
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
            var key = (k.Domain.Name, kind, trigger, dryRun);
            _kills[key] = _kills.GetValueOrDefault(key) + 1;
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
            foreach (var ((domain, kind, trigger, dry), n) in _kills.OrderBy(k => k.Key.Domain, StringComparer.Ordinal).ThenBy(k => k.Key.Kind).ThenBy(k => k.Key.Trigger))
                into.Add(new CounterSample(dry ? "oomwarden_dry_run_kills_total" : "oomwarden_kills_total",
                    dry ? "Kills a dry run would have made, by domain, victim kind and trigger level." : "Kills made and judged, by domain, victim kind (process, cgroup) and trigger level.",
                    n, [new("domain", domain), new("kind", kind), new("reason", trigger)]));
            foreach (var (domain, bytes) in _freed.OrderBy(f => f.Key, StringComparer.Ordinal))
                into.Add(new CounterSample("oomwarden_freed_bytes_total", "Memory the daemon's kills gave back to their domain, as the domain's own figure showed it.",
                    bytes, [new("domain", domain)]));
            foreach (var ((domain, level), n) in _warningsRaised.OrderBy(w => w.Key.Domain, StringComparer.Ordinal).ThenBy(w => w.Key.Level))
                into.Add(new CounterSample("oomwarden_warnings_total", "Graded warnings raised ([levels]): rises of a domain to a level, by domain and level.",
                    n, [new("domain", domain), new("level", level.ToString().ToLowerInvariant())]));
            foreach (var (domain, (requests, freed)) in _releases.OrderBy(r => r.Key, StringComparer.Ordinal))
            {
                into.Add(new CounterSample("oomwarden_release_requests_total", "Subscribers asked to release memory at medium, by domain (each measured at its deadline).",
                    requests, [new("domain", domain)]));
                into.Add(new CounterSample("oomwarden_released_bytes_total", "Memory subscribers freed on request, as oomwarden measured it (their footprint before and at the deadline).",
                    freed, [new("domain", domain)]));
            }
        }
    }
}
