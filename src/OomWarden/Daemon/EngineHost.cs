using System.Diagnostics;
using OomWarden.Core.Decisions;
using OomWarden.Core.Detection;
using OomWarden.Core.Engine;
using OomWarden.Core.Settings;
using OomWarden.Linux.Actions;
using OomWarden.Linux.Loop;
using OomWarden.Linux.Notify;
using OomWarden.Linux.Parsing;

namespace OomWarden.Daemon;

/// <summary>The daemon's loop around the engine: read every domain, step the engine, carry out its commands (none
/// of which waits), then sleep in epoll until a kernel wake-up, a victim's exit, the engine's next deadline or the
/// adaptive interval, whichever comes first.</summary>
public sealed class EngineHost : IDisposable
{
    private DaemonSettings _settings;
    private DomainSet _domains;
    private OomEngine _engine;
    private IVictimSelector _selector;
    private readonly VictimPidfds _victims;
    private static readonly TimeSpan ArmBudget = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan ArmPause = TimeSpan.FromMilliseconds(10);
    private const int TrimAfterRescans = 4;
    private readonly CgroupKillWorker _cgroupKills;
    private bool _armPending;
    private int _rescansSinceTrim;
    private readonly LiveHost _host;
    private readonly EventLoop _loop;
    private readonly TimeProvider _time;
    private readonly RescanDebouncer _rescans;

    public EngineHost(DaemonSettings settings, DomainSet domains, OomEngine engine, IVictimSelector selector, LiveHost host,
        EventLoop loop, TimeProvider time)
    {
        _settings = settings;
        _domains = domains;
        _engine = engine;
        _selector = selector;
        _host = host;
        _loop = loop;
        _time = time;
        _victims = new VictimPidfds(loop, host.TryReadStartTime);
        _cgroupKills = new CgroupKillWorker(host.CgroupKiller, loop);
        _rescans = new RescanDebouncer(time, settings.Monitor.RescanInterval);
        _engine.SetDomains(domains.Domains);
    }

    public OomEngine Engine => _engine;

    public DomainSet Domains => _domains;

    public EventLoop Loop => _loop;

    public long Rescans => _rescans.Rescans;

    public DaemonSettings Settings => _settings;

    /// <summary>systemd's notify socket, when the daemon runs as Type=notify: WATCHDOG=1 is sent from the loop itself
    /// every half <see cref="WatchdogInterval"/>, so a loop that hangs is restarted by the service manager.</summary>
    public SdNotify? Notify { get; set; }

    public TimeSpan? WatchdogInterval { get; set; }

    /// <summary>Where cooperative release requests go ([notify] socket); null: nobody to ask.</summary>
    public IReleaseChannel? Release { get; set; }

    /// <summary>memory.reclaim steps at low (cgroup v2); null when this host cannot have them.</summary>
    public ReclaimRunner? Reclaim { get; set; }

    /// <summary>oom_delay's bounded waits (issue 11), stepped before each read; null when off.</summary>
    public OomDelayController? OomDelay { get; set; }

    /// <summary>Called after a rescan changed the set of watched cgroups (the kill accounting takes new baselines).</summary>
    public Action? WatchedChanged { get; set; }

    private long _lastWatchdog;

    /// <summary>At start: lists the tree and arms every wake-up before the daemon reports "watching".</summary>
    public void RescanAtStart()
    {
        Rescan();
        _domains.ArmPendingWakeups(TimeSpan.MaxValue);
        _armPending = false;
    }

    /// <summary>Re-lists the cgroups (on inotify, on follow-ups and on the safety-net interval). New cgroups' wake-ups
    /// are armed afterwards within a budget per pass (a v1 registration waits for an RCU grace period).</summary>
    public void Rescan()
    {
        try
        {
            if (_domains.Rescan())
            {
                _engine.SetDomains(_domains.Domains);
                WatchedChanged?.Invoke();
            }
            OomDelay?.Sync(_domains.Cgroups);
        }
        finally
        {
            _rescans.Rescanned();
        }
        _armPending = true;
        if (++_rescansSinceTrim >= TrimAfterRescans && _rescans.IsQuiet && _engine.KillsInFlight.Count == 0)
        {
            // A burst of cgroup churn is over: give its garbage back, or the mlocked heap keeps its peak size.
            _rescansSinceTrim = 0;
            GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        }
    }

    /// <summary>A reload, between two ticks: the new settings, domains, engine (holding the old engine's state) and
    /// selector take over; the old domains' files and wake-ups are closed. Victims' pidfds stay (their exit callbacks
    /// reach whichever engine is current), and kills in flight are rebound to the new domains of the same names.</summary>
    public void Swap(DaemonSettings settings, DomainSet domains, OomEngine engine, IVictimSelector selector)
    {
        var old = _domains;
        _settings = settings;
        _domains = domains;
        _engine = engine;
        _selector = selector;
        _rescans.Interval = settings.Monitor.RescanInterval;
        _engine.SetDomains(_domains.Domains);
        old.Dispose();
        Rescan();
    }

    /// <summary>One pass: read, step, act. Allocates nothing while no domain is near its levels.</summary>
    public void Tick()
    {
        OomDelay?.Step();
        long now = _time.GetTimestamp();
        // Each domain at its own pace, but every domain on every tick while a kill is in flight (its judgement and the
        // domains it covers look at their figures).
        if (_engine.KillsInFlight.Count == 0) _domains.ReadDue(now, _time.TimestampFrequency);
        else _domains.ReadAll(now);
        _engine.Step();
        Execute();
    }

    /// <summary>Hands unfinished signals of an earlier instance to the engine (after a first read, so that each
    /// domain's figures are known) and verifies their victims.</summary>
    public void Recover(IEnumerable<RecoveredSignal> signals)
    {
        _domains.ReadAll(_time.GetTimestamp());
        foreach (var s in signals) _engine.Recover(s);
        Execute();
    }

    /// <summary>Runs until the loop is asked to stop.</summary>
    public void Run()
    {
        while (true)
        {
            Tick();
            if (_domains.TreeChanged) _rescans.TreeChanged();
            if (_rescans.IsDue()) Rescan();
            if (_armPending) _armPending = _domains.ArmPendingWakeups(ArmBudget);
            PetWatchdog();
            if (_idleWork.Length != 0) RunIdleWorkIfDue();
            if (!_loop.RunOnce(NextSleep())) break;
        }
        FinishOnStop();
    }

    /// <summary>At stop: exits not yet seen are taken in, and every victim that is gone is judged now (its kill record
    /// written); victims still in their grace are left to the next instance, which finds their signal records.</summary>
    private void FinishOnStop()
    {
        // A cgroup kill still running finishes (within the killer's bound) and is judged like the rest.
        _cgroupKills.Finish(_host.CgroupKiller.Bound + TimeSpan.FromSeconds(1));
        Reclaim?.Finish(TimeSpan.FromSeconds(2));
        _domains.ReadAll();
        foreach (var k in _engine.KillsInFlight.ToArray())
            if (k.Phase is KillPhase.Grace or KillPhase.Killed && _victims.HasExited(k.Id)) _engine.OnExited(k);
        _engine.FinishOnStop();
        Execute();
    }

    /// <summary>Adds work the loop runs when it is due and the daemon is calm (<see cref="IIdleWork"/>): the
    /// working-set trim's cycle. Its due time wakes the loop like the engine's deadlines.</summary>
    public void AddIdleWork(IIdleWork work) => _idleWork = [.. _idleWork, work];

    private IIdleWork[] _idleWork = [];

    /// <summary>Calm: no kill in flight, no cgroup churn, no domain at or below its term level. Work that is due
    /// waits for this.</summary>
    private bool IsCalm => _engine.KillsInFlight.Count == 0 && _rescans.IsQuiet && _domains.MinDistanceBytes > 0;

    private void RunIdleWorkIfDue()
    {
        long now = _time.GetTimestamp();
        foreach (var work in _idleWork)
            if (work.Due <= now && IsCalm) work.Run();
    }

    private void PetWatchdog()
    {
        if (Notify is null || WatchdogInterval is not { } interval) return;
        if (_lastWatchdog != 0 && _time.GetElapsedTime(_lastWatchdog) < interval / 2) return;
        Notify.Watchdog();
        _lastWatchdog = _time.GetTimestamp();
    }

    private TimeSpan NextSleep()
    {
        var sleep = _domains.UntilNextRead(_time.GetTimestamp(), _time.TimestampFrequency);
        if (Notify is not null && WatchdogInterval is { } watchdog)
        {
            var untilWatchdog = watchdog / 2 - _time.GetElapsedTime(_lastWatchdog);
            if (untilWatchdog < TimeSpan.Zero) untilWatchdog = TimeSpan.Zero;
            if (untilWatchdog < sleep) sleep = untilWatchdog;
        }
        long deadline = _engine.NextDeadline;
        if (deadline != Deadline.None)
        {
            var untilDeadline = Deadline.Until(deadline, _time.GetTimestamp(), _time.TimestampFrequency);
            if (untilDeadline < sleep) sleep = untilDeadline;
        }
        if (OomDelay is not null)
        {
            var untilDelay = OomDelay.UntilNext();
            if (untilDelay < sleep) sleep = untilDelay;
        }
        // Idle work's due time wakes the loop once; past it, work that waits for calm waits for the next wake-up.
        if (_idleWork.Length != 0)
        {
            long now = _time.GetTimestamp();
            foreach (var work in _idleWork)
                if (now < work.Due && Deadline.Until(work.Due, now, _time.TimestampFrequency) is var untilWork && untilWork < sleep) sleep = untilWork;
        }
        var untilRescan = _rescans.UntilDue();
        if (untilRescan < sleep) sleep = untilRescan;
        return _armPending && sleep > ArmPause ? ArmPause : sleep;
    }

    /// <summary>Carries out the engine's commands and reports each outcome back (which may queue more).</summary>
    private void Execute()
    {
        while (_engine.TryTakeCommand(out var c))
        {
            var k = c.Kill;
            switch (c.Kind)
            {
                case CommandKind.Select:
                    long start = Stopwatch.GetTimestamp();
                    // Screened: victims we signalled that may still be exiting are not candidates again.
                    var decision = _selector.Select(_engine.Screen(_domains.SourceOf(c.Domain!).OpenView()));
                    _engine.OnDecision(c.Domain!, decision, Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                    break;
                case CommandKind.OpenVictim:
                    _engine.OnVictimOpened(k!, _victims.TryOpen(k!.Id, k.Pid, k.StartTimeTicks, () => _engine.OnExited(k)));
                    break;
                case CommandKind.Signal:
                    var result = _victims.Signal(k!.Id, c.Signal, out string? error);
                    _engine.OnSignalSent(k, c.Signal, result, error);
                    break;
                case CommandKind.ReleaseMemory:
                    _victims.TryReleaseMemory(k!.Id);
                    break;
                case CommandKind.KillCgroup:
                    string? dir = _host.CgroupDirectory(k!.CgroupPath);
                    if (dir is null)
                    {
                        OnCgroupKilled(k, new CgroupKillOutcome(KillResult.Failed, 0, 0, [], 0, 0, 0, TimeSpan.Zero, $"cgroup {k.CgroupPath} has no directory"));
                        break;
                    }
                    // Off the loop: emptying a cgroup waits for its tasks' exits, and every other domain is still watched.
                    var kill = k;
                    _cgroupKills.Start(k.CgroupPath, dir, _host.MemoryVersion, outcome =>
                    {
                        OnCgroupKilled(kill, outcome);
                        Execute();
                    });
                    break;
                case CommandKind.CloseVictim:
                    _victims.Close(k!.Id);
                    break;
                case CommandKind.AskRelease:
                    _engine.OnReleaseAsked(c.Release!, Release?.TryAsk(c.Release!) ?? false);
                    break;
                case CommandKind.MeasureRelease:
                    Release?.Measure(c.Release!);
                    _engine.OnReleaseMeasured(c.Release!);
                    break;
                case CommandKind.RankReclaim:
                    _engine.OnReclaimCandidates(c.Domain!, Reclaim?.Rank(_domains.SourceOf(c.Domain!).OpenView()) ?? []);
                    break;
                case CommandKind.Reclaim:
                    if (Reclaim is null)
                    {
                        c.Reclaim!.Result = Core.Levels.ReclaimResult.Failed;
                        _engine.OnReclaimed(c.Reclaim);
                        break;
                    }
                    // Off the loop: the kernel reclaims in the writer's context.
                    Reclaim.Start(c.Reclaim!, step =>
                    {
                        _engine.OnReclaimed(step);
                        Execute();
                    });
                    break;
            }
        }
    }

    private void OnCgroupKilled(KillInFlight k, CgroupKillOutcome outcome)
    {
        _engine.OnCgroupKilled(k, outcome.Result switch
        {
            KillResult.Exited => "exited",
            KillResult.StillAlive => "still_alive",
            KillResult.Vanished => "vanished",
            _ => "failed",
        }, outcome.Survivors, outcome.Describe());
    }

    public void Dispose()
    {
        _cgroupKills.Dispose();
        _victims.Dispose();
        _domains.Dispose();
    }
}
