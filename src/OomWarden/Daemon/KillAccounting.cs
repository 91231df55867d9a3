using OomWarden.Core.Engine;
using OomWarden.KernelLog.Model;
using OomWarden.Linux.Cgroups;
using OomWarden.Linux.Parsing;

namespace OomWarden.Daemon;

/// <summary>The daemon's kill accounting (issue 11): <see cref="KillCounters"/> and the <see cref="RestartLoopDetector"/>,
/// fed by the kernel log (each report, on the kmsg thread), by the watched cgroups' own counters (read at start, when
/// the kernel log reports a kill, when the watched set changes, and at stop: never per tick) and by oomwarden's own kills
/// (<see cref="Judged"/>, <see cref="WouldKill"/> from the bus; subscribed first, so the journal's kill record sees the
/// restart-loop mark). The last values seen are kept in <see cref="KillCounterState"/>'s file: at start the difference
/// is what the kernel killed while the daemon was stopped, published as <c>kernel_kill</c> events with
/// <c>while_stopped</c>.</summary>
public sealed class KillAccounting : IEventSink
{
    public readonly record struct Watched(string Path, string Directory, CgroupVersion Version);

    private readonly IEventSink _bus;
    private readonly TimeProvider _time;
    private readonly CgroupKillCountsReader _reader = new();
    private readonly object _readLock = new();
    private Watched[] _watched = [];
    private string? _saveError;
    private bool _started;

    public KillAccounting(KillCounters counters, RestartLoopDetector loops, IEventSink bus, TimeProvider time)
    {
        Counters = counters;
        Loops = loops;
        _bus = bus;
        _time = time;
    }

    public KillCounters Counters { get; }

    public RestartLoopDetector Loops { get; }

    /// <summary>Null: no state file (tests, <c>bench tick</c>); <c>run</c> sets it before <see cref="Start"/>.</summary>
    public string? StatePath { get; set; }

    /// <summary>Where problems with the state file are reported (once per episode).</summary>
    public Action<string> Warn { get; set; } = _ => { };

    /// <summary>At start, with the watched cgroups: loads the saved values, reads every cgroup's counters and publishes a
    /// <c>kernel_kill</c> event (while_stopped) for each cgroup whose counters moved meanwhile; saves the new values.</summary>
    public void Start(IEnumerable<Watched> watched)
    {
        if (StatePath is not null)
        {
            var saved = KillCounterState.Load(StatePath, out string? error);
            if (saved is null) Warn($"kill counters: {error}; counting from the current values");
            else foreach (var (path, counts) in saved) Counters.Baseline(path, counts);
        }
        var now = _time.GetUtcNow();
        lock (_readLock)
        {
            _started = true;
            _watched = new List<Watched>(watched).ToArray();
            foreach (var w in _watched)
            {
                if (!_reader.TryRead(w.Directory, w.Version, out var counts)) continue;
                var delta = Counters.Observe(w.Path, counts);
                if (!delta.Any) continue;
                _bus.Publish(new KernelKill(now, null, null, w.Path, w.Path, null, null, null)
                {
                    Kind = KernelKillKind.Memcg,
                    WhileStopped = true,
                    Counts = delta,
                });
            }
        }
        Save();
    }

    /// <summary>After a rescan changed the watched set (loop thread): new cgroups get their baseline now, so a kill in
    /// them before the next report is not taken for the baseline.</summary>
    public void WatchedChanged(IEnumerable<Watched> watched)
    {
        lock (_readLock)
        {
            _watched = new List<Watched>(watched).ToArray();
            if (!_started) return; // Start reads them all against the saved values
            foreach (var w in _watched)
            {
                if (Counters.Knows(w.Path)) continue;
                if (_reader.TryRead(w.Directory, w.Version, out var counts)) Counters.Observe(w.Path, counts);
            }
        }
    }

    /// <summary>One kernel report (kmsg thread): its kills by kind, every watched cgroup's counters re-read, the restart
    /// loop checked; returns the events to publish (one per killed task; a memory.oom.group kill takes several).</summary>
    public List<EngineEvent> OnReport(OomReport r)
    {
        var now = _time.GetUtcNow();
        string domain = r.Memcg ?? "system";
        var kind = KernelKillKinds.FromConstraint(r.Constraint, r.Memcg is not null);
        var events = new List<EngineEvent>();
        var report = new KernelKillReport(r.TriggerPid, r.GfpMask, r.Order, r.Killed?.TotalVmKb, r.Killed?.FileRssKb, r.Killed?.ShmemRssKb,
            r.Killed?.PageTablesKb, r.Killed?.Uid, r.KilledOomScoreAdj, r.MemcgUsageKb, r.MemcgLimitKb, r.Nodemask, r.Cpuset, r.MemsAllowed, r.UptimeSeconds);
        bool group = r.OomGroupMemcg is not null;

        var tasks = new List<KilledTask>();
        if (r.Killed is not null) tasks.Add(r.Killed);
        foreach (var g in r.GroupKilled)
            if (tasks.TrueForAll(t => t.Pid != g.Pid)) tasks.Add(g);
        Counters.KernelKill(kind, Math.Max(1, tasks.Count));
        RefreshAll();

        var loop = Loops.Record(new KillSubject(group ? r.OomGroupMemcg : r.TaskMemcg, null, null, r.Killed?.Comm), byKernel: true);
        if (loop is { New: true }) Counters.RestartLoop();
        if (tasks.Count == 0)
        {
            events.Add(new KernelKill(now, null, null, r.TaskMemcg, domain, r.Constraint, r.TriggerComm, null) { Kind = kind, Report = report, RestartLoop = loop });
        }
        foreach (var t in tasks)
        {
            bool first = ReferenceEquals(t, r.Killed);
            events.Add(new KernelKill(now, (int)t.Pid, t.Comm, r.TaskMemcg, domain, r.Constraint, r.TriggerComm, t.AnonRssKb)
            {
                Kind = kind,
                OomGroup = group,
                OomGroupCgroup = r.OomGroupMemcg,
                Report = first ? report : report with { TotalVmKb = t.TotalVmKb, FileRssKb = t.FileRssKb, ShmemRssKb = t.ShmemRssKb, PageTablesKb = t.PageTablesKb, Uid = t.Uid, OomScoreAdj = t.OomScoreAdj },
                RestartLoop = loop,
            });
        }
        if (loop is not null)
            events.Add(new RestartLoopFlagged(now, loop, r.Killed is null ? "a task" : $"pid {r.Killed.Pid} ({r.Killed.Comm})", ByKernel: true));
        Save();
        return events;
    }

    /// <summary>oomwarden's own kills, from the bus (loop thread).</summary>
    public void Publish(EngineEvent e)
    {
        switch (e)
        {
            case Judged j:
                Counters.UserKill(j.Kill.Domain.Name, dryRun: false);
                var victim = j.Kill.Decision?.Victim;
                var loop = Loops.Record(new KillSubject(j.Kill.CgroupPath, j.Kill.WholeCgroup ? null : victim?.ExePath,
                    j.Kill.WholeCgroup ? null : victim?.CommandLine, j.Kill.Comm), byKernel: false);
                if (loop is null) break;
                if (loop.New) Counters.RestartLoop();
                j.Kill.RestartLoop = loop;
                _bus.Publish(new RestartLoopFlagged(j.Time, loop, j.Kill.WholeCgroup ? $"cgroup {j.Kill.CgroupPath}" : $"pid {j.Kill.Pid} ({j.Kill.Comm})", ByKernel: false));
                break;
            case WouldKill w:
                // a dry run kills nothing: counted apart, and no part of a restart loop
                Counters.UserKill(w.Kill.Domain.Name, dryRun: true);
                break;
        }
    }

    /// <summary>At stop: a last reading of every watched cgroup, saved.</summary>
    public void Stop()
    {
        RefreshAll();
        Save();
    }

    private void RefreshAll()
    {
        lock (_readLock)
        {
            foreach (var w in _watched)
                if (_reader.TryRead(w.Directory, w.Version, out var counts)) Counters.Observe(w.Path, counts);
        }
    }

    private void Save()
    {
        if (StatePath is not { } path) return;
        lock (_readLock) SaveLocked(path);
    }

    private void SaveLocked(string path)
    {
        if (KillCounterState.Save(path, Counters.LastSeen(), out string? error))
        {
            if (_saveError is not null) Warn($"kill counters are saved again to {StatePath}");
            _saveError = null;
            return;
        }
        if (_saveError is null) Warn($"cannot save the kill counters: {error}; kills while the daemon is stopped may be missed");
        _saveError = error;
    }
}
