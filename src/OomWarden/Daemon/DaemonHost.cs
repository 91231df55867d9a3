using System.Diagnostics;
using System.Globalization;
using OomWarden.Core.Decisions;
using OomWarden.Core.Detection;
using OomWarden.Core.Model;
using OomWarden.Core.Policy;
using OomWarden.Core.Settings;
using OomWarden.Linux.Actions;
using OomWarden.Linux.Interop.Process;
using OomWarden.Linux.Parsing;

namespace OomWarden.Daemon;

/// <summary>The daemon's loop: tick, prepare a decision while a domain approaches its term level, act
/// when it gets there (one kill at a time, wait for the victim to be gone, judge the memory freed),
/// then sleep for the adaptive interval or until the kernel wakes us.</summary>
public sealed class DaemonHost : IDisposable
{
    private static readonly TimeSpan PreparedMaxAge = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan NothingToKillQuiet = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan LadderWindow = TimeSpan.FromSeconds(30);

    private readonly DaemonSettings _settings;
    private readonly IHostAccess _host;
    private readonly IVictimSelector _selector;
    private readonly Monitor _monitor;
    private readonly WakeSources _wake;
    private readonly EventJournal? _journal;
    private readonly TextWriter _log;
    private readonly TimeProvider _time;
    private readonly ProcessKiller _killer;
    private readonly CgroupKiller _cgroupKiller;
    private readonly Action<ulong> _onWake;
    private readonly Dictionary<string, long> _quietUntil = new(StringComparer.Ordinal);
    private readonly Glob[] _include;

    private Domain _preparedDomain;
    private Decision? _prepared;
    private long _preparedAt;
    private long _preparedAvailableBytes;
    private string? _ladderCgroup;
    private long _ladderAt;
    private long _lastRescan;
    private Inotify? _treeWatch;
    private bool _treeWatchTried;
    private bool _treeChanged;
    private long _followUpAt = long.MaxValue;
    private int _followUpsLeft;

    public DaemonHost(
        DaemonSettings settings,
        IHostAccess host,
        IVictimSelector selector,
        Monitor monitor,
        WakeSources wake,
        EventJournal? journal,
        TextWriter log,
        TimeProvider time)
    {
        _settings = settings;
        _host = host;
        _selector = selector;
        _monitor = monitor;
        _wake = wake;
        _journal = journal;
        _log = log;
        _time = time;
        _killer = new ProcessKiller(host.TryReadStartTime);
        _cgroupKiller = new CgroupKiller(host.ListPids, host.TryReadStartTime);
        _onWake = OnWake;
        _include = settings.Cgroups.Include.Select(Glob.Compile).ToArray();
    }

    public int Kills { get; private set; }

    /// <summary>Lists limited cgroups and (re)arms their wake-ups. Runs at start, when inotify says a cgroup
    /// directory was created or removed, and every rescan_interval as a safety net.</summary>
    public void Rescan()
    {
        _lastRescan = _time.GetTimestamp();
        _treeChanged = false;
        if (!_settings.Cgroups.Enabled) return;
        if (_settings.Monitor.Events && _treeWatch is null && !_treeWatchTried)
        {
            _treeWatchTried = true;
            _treeWatch = Inotify.TryCreate(out _);
            if (_treeWatch is not null && !Epoll.TryAdd(_wake.EpollFd, _treeWatch.Fd, Epoll.EpollIn, WakeSources.TreeToken, out _))
            {
                _treeWatch.Dispose();
                _treeWatch = null;
            }
        }
        var old = _monitor.Cgroups.ToArray().ToDictionary(c => c.Path, StringComparer.Ordinal);
        var next = new List<WatchedCgroup>();
        var directories = _treeWatch is null ? null : new List<string>();
        var limited = _host.ListLimitedCgroups(directories);
        if (directories is not null)
            foreach (var dir in directories) _treeWatch!.TryWatchDirectory(dir);
        foreach (var lc in limited)
        {
            if (!Included(lc.Path)) continue;
            if (old.Remove(lc.Path, out var existing) && existing.LimitBytes == lc.LimitBytes)
            {
                next.Add(existing);
                continue;
            }
            existing?.Dispose();
            var w = WatchedCgroup.TryOpen(lc.Path, lc.Directory, lc.Version, lc.LimitBytes);
            if (w is null) continue;
            if (_settings.Monitor.Events)
                w.TryArmWakeup(_wake.EpollFd, _settings.Cgroups, _monitor.PrepareMarginBytes, (ulong)next.Count);
            next.Add(w);
        }
        foreach (var gone in old.Values) gone.Dispose();
        _monitor.ReplaceCgroups(next.ToArray());
    }

    private bool Included(string path)
    {
        if (_include.Length == 0) return true;
        foreach (var glob in _include)
            if (glob.IsMatch(path)) return true;
        return false;
    }

    /// <summary>Any wake-up just means "tick now"; eventfd counters are drained so epoll does not spin.</summary>
    private void OnWake(ulong token)
    {
        if (token == WakeSources.TreeToken)
        {
            if (_treeWatch?.Drain() == true) _treeChanged = true;
            return;
        }
        foreach (var c in _monitor.Cgroups) c.Drain();
    }

    /// <summary>Runs until <see cref="WakeSources.RequestStop"/>.</summary>
    public void Run()
    {
        while (true)
        {
            _monitor.Tick();
            if (_monitor.MaxLevel >= PressureLevel.Term) ActOnShortDomains();
            else if (_monitor.MaxLevel == PressureLevel.Prepare) PrepareDecision();
            else _prepared = null;

            if (_treeChanged)
            {
                // A new cgroup usually gets its limit a moment after mkdir: look again 1 s and 5 s later.
                Rescan();
                _followUpsLeft = 2;
                _followUpAt = _time.GetTimestamp() + _time.TimestampFrequency;
            }
            else if (_time.GetTimestamp() >= _followUpAt)
            {
                Rescan();
                _followUpAt = --_followUpsLeft > 0 ? _time.GetTimestamp() + 4 * _time.TimestampFrequency : long.MaxValue;
            }
            else if (_time.GetElapsedTime(_lastRescan) >= _settings.Monitor.RescanInterval) Rescan();
            var sleep = AdaptiveInterval.Next(_monitor.MinDistanceBytes, _settings.Monitor);
            if (_followUpAt != long.MaxValue)
            {
                var untilFollowUp = TimeSpan.FromSeconds(Math.Max(0, _followUpAt - _time.GetTimestamp()) / (double)_time.TimestampFrequency);
                if (untilFollowUp < sleep) sleep = untilFollowUp;
            }
            if (_quietUntil.Count > 0 && sleep > TimeSpan.FromMilliseconds(100)) sleep = TimeSpan.FromMilliseconds(100);
            if (!_wake.Wait(sleep, _onWake)) return;
        }
    }

    private void PrepareDecision()
    {
        var domain = MostPressedDomain(PressureLevel.Prepare, out var cgroup);
        if (domain is not Domain d) return;
        if (_prepared is not null && _preparedDomain == d && _time.GetElapsedTime(_preparedAt) < PreparedMaxAge) return;
        _prepared = _selector.Select(_host.OpenDomain(d));
        _preparedDomain = d;
        _preparedAt = _time.GetTimestamp();
        _preparedAvailableBytes = DomainAvailableBytes(d, cgroup);
    }

    private long DomainAvailableBytes(Domain d, WatchedCgroup? cgroup) =>
        d.Kind == DomainKind.Nodes ? NodeAvailable(d.NodeMask)
        : cgroup is null ? _monitor.Memory.MemAvailableBytes
        : cgroup.LimitBytes - cgroup.Last.WorkingSetBytes;

    /// <summary>A prepared decision ranks footprints as they were when it was taken. Memory that went since then
    /// went to someone: when that is more than a quarter of the chosen victim's footprint, a process that was
    /// smaller then may be the largest now (a hog at full speed fills 500 MiB in a fraction of the 250 ms
    /// refresh), so the decision is taken again rather than hitting a bystander.</summary>
    private bool PreparedStillHolds(long availableNowBytes)
    {
        if (_prepared?.Victim is not { } victim) return true;
        long consumed = _preparedAvailableBytes - availableNowBytes;
        return consumed <= Math.Max(victim.FootprintBytes / 4, 1L << 20);
    }

    private Domain? MostPressedDomain(PressureLevel atLeast, out WatchedCgroup? cgroup)
    {
        cgroup = null;
        Domain? best = null;
        var bestLevel = PressureLevel.None;
        long bestDistance = long.MaxValue;
        if (_monitor.System.Level >= atLeast && !IsQuiet("system"))
        {
            best = Domain.System;
            bestLevel = _monitor.System.Level;
            bestDistance = _monitor.System.DistanceToTermBytes;
        }
        // Nodes short while the machine as a whole is not: a cpuset/mempolicy-confined shortage.
        if (best is null && _monitor.NodeCount > 1)
        {
            ulong mask = _monitor.NodeMask(atLeast);
            if (mask != 0)
            {
                var nodes = Domain.ForNodes(mask);
                if (!IsQuiet(nodes.ToString()))
                {
                    best = nodes;
                    var readings = _monitor.NodeReadings;
                    foreach (var r in readings)
                    {
                        if (r.Level > bestLevel) bestLevel = r.Level;
                        if (r.Level >= atLeast && r.DistanceToTermBytes < bestDistance) bestDistance = r.DistanceToTermBytes;
                    }
                }
            }
        }
        foreach (var c in _monitor.Cgroups)
        {
            var r = c.Reading;
            if (r.Level < atLeast || IsQuiet(c.Path)) continue;
            // A cgroup at its limit is the tighter domain: prefer it over the system at the same level.
            if (r.Level > bestLevel || (r.Level == bestLevel && (best is not { Kind: DomainKind.Cgroup } || r.DistanceToTermBytes < bestDistance)))
            {
                best = Domain.ForCgroup(c.Path);
                cgroup = c;
                bestLevel = r.Level;
                bestDistance = r.DistanceToTermBytes;
            }
        }
        return best;
    }

    private long NodeAvailable(ulong mask)
    {
        long sum = 0;
        foreach (var n in _monitor.NodeMemory)
            if (n.Node < 64 && (mask & (1UL << n.Node)) != 0) sum += n.AvailableBytes;
        return sum;
    }

    private PressureLevel NodeLevel(ulong mask)
    {
        var level = PressureLevel.None;
        var memory = _monitor.NodeMemory;
        var readings = _monitor.NodeReadings;
        for (int i = 0; i < readings.Length; i++)
            if (memory[i].Node < 64 && (mask & (1UL << memory[i].Node)) != 0 && readings[i].Level > level) level = readings[i].Level;
        return level;
    }

    private string DescribeNodes(ulong mask)
    {
        var parts = new List<string>();
        var memory = _monitor.NodeMemory;
        var readings = _monitor.NodeReadings;
        for (int i = 0; i < readings.Length; i++)
            if (memory[i].Node < 64 && (mask & (1UL << memory[i].Node)) != 0)
                parts.Add(NodeEvaluator.Describe(memory[i], _monitor.Memory, _settings.System, readings[i].Level));
        return string.Join("; ", parts) + $" (machine-wide MemAvailable {SizeFormat.FormatBytes(_monitor.Memory.MemAvailableBytes)}); only processes that may use these nodes are candidates";
    }

    private bool IsQuiet(string domainKey)
    {
        if (!_quietUntil.TryGetValue(domainKey, out long until)) return false;
        if (_time.GetTimestamp() < until) return true;
        _quietUntil.Remove(domainKey);
        return false;
    }

    private void Quiet(string domainKey, TimeSpan span)
        => _quietUntil[domainKey] = _time.GetTimestamp() + (long)(span.TotalSeconds * _time.TimestampFrequency);

    private void ActOnShortDomains()
    {
        var domain = MostPressedDomain(PressureLevel.Term, out var cgroup);
        if (domain is not Domain d) return;
        var level = cgroup?.Reading.Level ?? (d.Kind == DomainKind.Nodes ? NodeLevel(d.NodeMask) : _monitor.System.Level);
        long decideStart = _time.GetTimestamp();
        string reason = cgroup is not null
            ? CgroupEvaluator.Describe(cgroup.Last, _settings.Cgroups, level)
            : d.Kind == DomainKind.Nodes
                ? DescribeNodes(d.NodeMask)
                : SystemEvaluator.Describe(_monitor.Memory, _settings.System, level);
        long availableBefore = DomainAvailableBytes(d, cgroup);

        var decision = _prepared is not null && _preparedDomain == d && _time.GetElapsedTime(_preparedAt) < PreparedMaxAge * 4
            && PreparedStillHolds(availableBefore)
            ? _prepared
            : _selector.Select(_host.OpenDomain(d));
        _prepared = null;

        if (decision.NothingToKill)
        {
            Log($"nothing to kill in {d}: {decision.Summary} ({reason})");
            Journal(new KillEvent { Event = "nothing_to_kill", Time = _time.GetUtcNow(), Domain = d.ToString(), Reason = reason, Message = decision.Summary, DryRun = _settings.Action.DryRun }, sync: false);
            Quiet(d.ToString(), NothingToKillQuiet);
            return;
        }

        var victim = decision.Victim!;
        var action = decision.Action ?? new VictimAction(KillMode.Process, Signals.SigTerm, _settings.Action.TermGrace);
        bool wholeCgroup = decision.VictimCgroup is { } vc && _ladderCgroup == vc.Path && _time.GetElapsedTime(_ladderAt) < LadderWindow;
        int signal = level == PressureLevel.Kill ? Signals.SigKill : action.Signal;
        var chosen = decision.Path.Count > 0 && decision.Path[^1].Ranked.Count > 0 ? decision.Path[^1].Ranked[0] : null;
        double decisionMs = _time.GetElapsedTime(decideStart).TotalMilliseconds;

        if (_settings.Action.DryRun)
        {
            Log($"dry-run: would send {Signals.Name(signal)} to {Describe(victim, decision, wholeCgroup)} in domain {d}: {reason}");
            Journal(KillEventFor(d, victim, decision, chosen, signal, reason, wholeCgroup) with { DryRun = true, Result = "dry_run", DecisionMs = decisionMs }, sync: true);
            // Pretend the victim is gone for a grace + settle, so the log is one line per decision, not per tick.
            Quiet(d.ToString(), action.TermGrace + _settings.Action.Settle);
            if (decision.VictimCgroup is not null) { _ladderCgroup = decision.VictimCgroup.Path; _ladderAt = _time.GetTimestamp(); }
            return;
        }

        if (wholeCgroup) KillWholeCgroup(d, decision, reason, availableBefore, cgroup, decisionMs);
        else KillProcess(d, victim, decision, chosen, signal, action, reason, availableBefore, cgroup, decisionMs);
    }

    private void KillProcess(Domain d, ProcessSample victim, Decision decision, RankedCandidate? chosen, int signal,
        VictimAction action, string reason, long availableBefore, WatchedCgroup? cgroup, double decisionMs)
    {
        var outcome = _killer.Kill(victim.Pid, victim.StartTimeTicks, signal, action.TermGrace,
            exitWait: TimeSpan.FromSeconds(5), _settings.Action.MemoryRelease,
            escalateNow: () => _monitor.IsAtKillLevel(cgroup),
            afterFirstSignal: () => Log($"sent {Signals.Name(signal)} to {Describe(victim, decision, false)} in domain {d}: {reason}"));
        if (outcome.Result == KillResult.Vanished)
        {
            Log($"pid {victim.Pid} ({victim.Comm}) was gone before the signal; choosing again");
            return;
        }
        Kills++;
        if (decision.VictimCgroup is not null) { _ladderCgroup = decision.VictimCgroup.Path; _ladderAt = _time.GetTimestamp(); }
        long freed = Settle(cgroup, availableBefore);
        var ev = KillEventFor(d, victim, decision, chosen, outcome.LastSignal == 0 ? signal : outcome.LastSignal, reason, false) with
        {
            FreedBytes = freed,
            ExitMs = outcome.Result == KillResult.Exited ? outcome.Elapsed.TotalMilliseconds : null,
            Result = outcome.Result switch { KillResult.Exited => "exited", KillResult.StillAlive => "still_alive", _ => "failed" },
            Escalated = outcome.Escalated,
            DecisionMs = decisionMs,
            Message = outcome.Error,
        };
        Journal(ev, sync: true);
        Log(outcome.Result == KillResult.Exited
            ? $"pid {victim.Pid} ({victim.Comm}) exited after {outcome.Elapsed.TotalMilliseconds:0} ms{(outcome.Escalated ? " (escalated to SIGKILL)" : "")}; freed {SizeFormat.FormatBytes(freed)}"
            : $"pid {victim.Pid} ({victim.Comm}): {outcome.Result}{(outcome.Error is null ? "" : ": " + outcome.Error)}");
    }

    private void KillWholeCgroup(Domain d, Decision decision, string reason, long availableBefore, WatchedCgroup? cgroup, double decisionMs)
    {
        var target = decision.VictimCgroup!;
        string? dir = _host.CgroupDirectory(target.Path);
        var sw = Stopwatch.StartNew();
        string? error = $"cgroup {target.Path} has no directory";
        int killed = dir is null ? -1 : _cgroupKiller.KillAll(target.Path, dir, _host.MemoryVersion == CgroupVersion.V2, out error);
        Kills++;
        _ladderCgroup = null;
        Log($"killed cgroup {target.Path} as a unit ({killed} processes) in domain {d}: memory still short after killing its largest process; {reason}");
        long freed = Settle(cgroup, availableBefore);
        Journal(new KillEvent
        {
            Event = "kill",
            Time = _time.GetUtcNow(),
            Cgroup = target.Path,
            Domain = d.ToString(),
            Signal = "SIGKILL",
            Reason = reason,
            Victim = "cgroup",
            FreedBytes = freed,
            ExitMs = sw.Elapsed.TotalMilliseconds,
            DecisionMs = decisionMs,
            Result = killed >= 0 ? "exited" : "failed",
            Message = error ?? $"{killed} processes",
        }, sync: true);
    }

    /// <summary>After the victim is gone, waits for freed memory to show (this can take a while: free-page
    /// reporting, COW pages still shared with children) until the domain is out of its term level or the
    /// settle time is over; returns the bytes regained. It stops at once when the domain reaches its kill level
    /// again: waiting longer would hand the next kill to the kernel.</summary>
    private long Settle(WatchedCgroup? cgroup, long availableBefore)
    {
        long start = _time.GetTimestamp();
        long available = availableBefore;
        while (true)
        {
            var (level, now) = _monitor.Probe(cgroup);
            available = now;
            if (level == PressureLevel.Kill) break;
            if (level < PressureLevel.Term && _time.GetElapsedTime(start) >= TimeSpan.FromMilliseconds(50)) break;
            if (_time.GetElapsedTime(start) >= _settings.Action.Settle) break;
            Thread.Sleep(5);
        }
        return available - availableBefore;
    }

    private static string Describe(ProcessSample p, Decision decision, bool wholeCgroup)
        => wholeCgroup
            ? $"cgroup {decision.VictimCgroup!.Path}"
            : $"pid {p.Pid} ({p.Comm}, {SizeFormat.FormatBytes(p.FootprintBytes)}, adj {p.OomScoreAdj}) in {p.CgroupPath}";

    private KillEvent KillEventFor(Domain d, ProcessSample victim, Decision decision, RankedCandidate? chosen, int signal, string reason, bool wholeCgroup)
        => new()
        {
            Event = "kill",
            Time = _time.GetUtcNow(),
            Pid = wholeCgroup ? null : victim.Pid,
            Comm = wholeCgroup ? null : victim.Comm,
            Cgroup = wholeCgroup ? decision.VictimCgroup!.Path : victim.CgroupPath,
            Domain = d.ToString(),
            Signal = Signals.Name(signal),
            Reason = reason,
            Victim = wholeCgroup ? "cgroup" : "process",
            Rule = chosen?.Rule,
            Priority = chosen?.Priority,
            FootprintBytes = victim.FootprintBytes,
        };

    private void Journal(KillEvent e, bool sync) => _journal?.Append(e, sync);

    private void Log(string message)
    {
        _log.WriteLine(_time.GetUtcNow().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z' ", CultureInfo.InvariantCulture) + message);
        _log.Flush();
    }

    public void Dispose()
    {
        _treeWatch?.Dispose();
        _monitor.Dispose();
    }
}
