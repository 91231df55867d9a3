using OomWarden.Core.Engine;
using OomWarden.Core.Policy;
using OomWarden.Core.Settings;
using OomWarden.Linux.Domains;
using OomWarden.Linux.Loop;
using OomWarden.Linux.OomDelay;
using OomWarden.Linux.Parsing;

namespace OomWarden.Daemon;

/// <summary>oom_delay (issue 11): for every watched cgroup whose delay is on (a cgroup rule's oom_delay, else
/// [cgroups] oom_delay), the bounded wait (<see cref="V1OomWait"/>, <see cref="V2HighWindow"/>) stepped on the loop.
/// Every change is written ahead to the state file (with the old value) and the guard process is running before the
/// first change; every setting goes back at stop, when its cgroup leaves the watch, and when the guard is gone.
/// A reload (<see cref="Reconfigure"/>) hands it the new delays and a new domain object for every cgroup: a wait whose
/// cgroup is the same (<see cref="OomWaitMatch.Rebind"/>) goes on untouched with the new object.</summary>
public sealed class OomDelayController : IEventSink, IDisposable
{
    /// <summary>Opens the wait for one cgroup (<see cref="V1OomWait"/>, <see cref="V2HighWindow"/>; a fake in the unit
    /// tests); null with the reason when it cannot.</summary>
    public delegate IOomWait? WaitOpener(CgroupSource cgroup, TimeSpan delay, out string? error);

    private DaemonSettings _settings;
    private CompiledPolicy _policy;
    private readonly WaitOpener _open;
    private readonly EventLoop _loop;
    private readonly TimeProvider _time;
    private readonly Action<string> _log;
    private readonly Dictionary<string, IOomWait> _waits = new(StringComparer.Ordinal);
    private readonly List<IOomWait> _list = [];
    private readonly List<string> _gone = [];
    private readonly HashSet<string> _present = new(StringComparer.Ordinal);
    private readonly List<OomSetting> _stuck = [];
    private readonly Func<TimeSpan, IOomGuard?> _startGuard;
    private IOomGuard? _guard;
    private bool _off, _disposed;

    /// <param name="startGuard">Starts the guard process with the given heartbeat timeout; null: it could not.</param>
    /// <param name="open">Opens a cgroup's wait; null: the real ones, by cgroup version.</param>
    public OomDelayController(DaemonSettings settings, CompiledPolicy policy, EventLoop loop, TimeProvider time, Action<string> log,
        Func<TimeSpan, IOomGuard?> startGuard, WaitOpener? open = null)
    {
        _settings = settings;
        _policy = policy;
        _loop = loop;
        _time = time;
        _log = log;
        _startGuard = startGuard;
        _open = open ?? OpenWait;
        MinDelay = MinimumDelay(settings, policy);
    }

    /// <summary>The shortest delay the configuration can give a cgroup (zero: oom_delay is off everywhere).</summary>
    public TimeSpan MinDelay { get; private set; }

    public static TimeSpan MinimumDelay(DaemonSettings settings, CompiledPolicy policy)
    {
        var min = settings.Cgroups.OomDelay;
        foreach (var r in policy.Rules)
            if (r.Effect.OomDelay is { } d && d > TimeSpan.Zero && (min == TimeSpan.Zero || d < min)) min = d;
        return min;
    }

    public static bool IsConfigured(DaemonSettings settings, CompiledPolicy policy) => MinimumDelay(settings, policy) > TimeSpan.Zero;

    public IReadOnlyList<IOomWait> Waits => _list;

    /// <summary>The wait armed for this domain; null when it has none. After a reload the wait holds the new domain
    /// object of its cgroup (<see cref="Sync"/>), so status and the metrics find it as before.</summary>
    public IOomWait? WaitFor(WatchedDomain domain)
    {
        foreach (var w in _list)
            if (ReferenceEquals(w.Domain, domain)) return w;
        return null;
    }

    public int? GuardPid => _guard?.Pid;

    /// <summary>A reload, before the rescan of the new domains (whose <see cref="Sync"/> applies it): the delays of
    /// the new [cgroups] oom_delay and rules. A cgroup whose delay changed keeps its wait with the new delay from
    /// its next episode (an episode in progress keeps its deadline); one whose delay is now off is put back at
    /// once; one newly covered is armed. [cgroups] oom_delay_high_margin and oom_delay_state keep their running
    /// values (<see cref="RestartOnly"/>), and so does the guard's timeout.</summary>
    public void Reconfigure(DaemonSettings settings, CompiledPolicy policy)
    {
        _settings = settings;
        _policy = policy;
        MinDelay = MinimumDelay(settings, policy);
        if (_disposed) return;
        if (_off)
        {
            if (MinDelay > TimeSpan.Zero) _log("oomwarden: reload: oom_delay stays off until the daemon restarts (its guard was lost)");
            return;
        }
        if (_guard is not null && MinDelay > TimeSpan.Zero && MinDelay < _guard.Timeout)
            _log($"oomwarden: reload: the oom_delay guard keeps the timeout it was started with ({FormatDelay(_guard.Timeout)}); "
                + $"the shortest delay is now {FormatDelay(MinDelay)}, so until a restart a hung daemon's settings are put back after {FormatDelay(_guard.Timeout)}");
    }

    /// <summary>After a rescan: arms new cgroups with a delay, restores those that left the watch, whose delay is now
    /// off, or whose limit changed (they come back as new domains). A new domain object for the same cgroup (a
    /// reload) takes over the wait as it stands: its episode, deadline and counts, nothing written, nothing logged.
    /// Allocates nothing for cgroups that stay as they are.</summary>
    public void Sync(ReadOnlySpan<CgroupSource> cgroups)
    {
        if (_off || _disposed) return;
        _present.Clear();
        foreach (var c in cgroups)
        {
            if (c.Cgroup.Path is "/" or "") continue;
            // a dry run changes no cgroup setting: a reload that turns it on puts every setting back
            var delay = _settings.Action.DryRun ? TimeSpan.Zero : _policy.OomDelayFor(c.Cgroup.Path, _settings.Cgroups.OomDelay);
            _waits.TryGetValue(c.Cgroup.Path, out var existing);
            if (delay <= TimeSpan.Zero)
            {
                // Off at once, even in the middle of an episode: off means the kernel's own behaviour, and putting the
                // setting back can only end a wait sooner (v1: the waiting tasks meet the kernel's killer now).
                if (existing is not null) RestoreOne(existing, _settings.Action.DryRun ? "a dry run changes no cgroup" : "oom_delay is off for it now");
                continue;
            }
            _present.Add(c.Cgroup.Path);
            if (existing is not null)
            {
                var match = OomWaitMatches.Of(existing.Domain, existing.Setting.Directory, existing.Version, c.Cgroup, c.Directory, c.Version);
                if (match is OomWaitMatch.Same or OomWaitMatch.Rebind)
                {
                    if (match == OomWaitMatch.Rebind) existing.Rebind(c.Cgroup);
                    if (existing.Delay != delay) ChangeDelay(existing, delay);
                    continue;
                }
                RestoreOne(existing, match == OomWaitMatch.LimitChanged ? "its limit changed" : "its cgroup moved");
            }
            Arm(c, delay);
            if (_off) return;
        }
        _gone.Clear();
        foreach (var path in _waits.Keys) if (!_present.Contains(path)) _gone.Add(path);
        foreach (var path in _gone) RestoreOne(_waits[path], "it is no longer watched");
    }

    private void ChangeDelay(IOomWait w, TimeSpan delay)
    {
        var was = w.Delay;
        bool inEpisode = w.Episode.State != OomEpisode.Phase.Armed;
        w.ChangeDelay(delay);
        _log($"oomwarden: oom_delay {FormatDelay(delay)} for {w.Domain.Path} (was {FormatDelay(was)})"
            + (inEpisode ? $"; the episode in progress keeps its deadline ({w.Episode.StateName}), the new delay counts from the next one" : ""));
    }

    private IOomWait? OpenWait(CgroupSource c, TimeSpan delay, out string? error) => c.Version == CgroupVersion.V1
        ? V1OomWait.TryOpen(_loop, _time, c.Cgroup, c.Directory, delay, out error)
        : V2HighWindow.TryOpen(_time, c.Cgroup, c.Directory, delay, _settings.Cgroups.OomDelayHighMargin.ToBytes(c.Cgroup.LimitBytes), out error);

    private void Arm(CgroupSource c, TimeSpan delay)
    {
        IOomWait? wait = _open(c, delay, out string? error);
        if (wait is null)
        {
            _log($"oomwarden: warning: oom_delay for {c.Cgroup.Path} not armed: {error}");
            return;
        }
        // The guard runs before anything is changed: if this daemon dies from here on, it puts the settings back.
        if (_guard is null)
        {
            _guard = _startGuard(MinDelay);
            if (_guard is null)
            {
                wait.Dispose();
                _log("oomwarden: warning: oom_delay is off: the guard process could not be started");
                _off = true;
                return;
            }
        }
        // Write before you act: the old value is in the state file before the setting changes.
        _list.Add(wait);
        if (!SaveState())
        {
            _list.Remove(wait);
            wait.Dispose();
            return;
        }
        if (!wait.TryApply(out error))
        {
            _list.Remove(wait);
            SaveState();
            wait.Dispose();
            _log($"oomwarden: warning: oom_delay for {c.Cgroup.Path} not armed: {error}");
            return;
        }
        _waits[c.Cgroup.Path] = wait;
        _log(wait is V2HighWindow w
            ? $"oomwarden: oom_delay {FormatDelay(delay)} for {c.Cgroup.Path}: memory.high {w.HighBytes} (was {w.Setting.OldValue}), memory.max {c.Cgroup.LimitBytes}"
            : $"oomwarden: oom_delay {FormatDelay(delay)} for {c.Cgroup.Path}: oom_kill_disable 1 (was {wait.Setting.OldValue}), OOM eventfd armed");
    }

    /// <summary>Each pass of the loop, before the domains are read: heartbeat to the guard, then every wait moves
    /// along (an OOM event sets its domain's kill level for the engine step that follows). Allocates nothing while
    /// no cgroup is under OOM. The heartbeat goes on while no cgroup is armed (they all left the watch, or a reload
    /// turned their delays off): a guard left without one would exit, and the next cgroup armed would find it gone.</summary>
    public void Step()
    {
        if (_off || _guard is null) return;
        long now = _time.GetTimestamp();
        if (_guard is not null && !_guard.Heartbeat(now))
        {
            _log($"oomwarden: warning: the oom_delay guard (pid {_guard.Pid}) is gone{(_guard.ExitReason is { } why ? " (" + why + ")" : "")}; "
                + "every oom_delay setting is put back and oom_delay stays off until the daemon restarts");
            RestoreAll();
            _off = true;
            return;
        }
        foreach (var w in _list)
            if (w.Step(now) is { } line) _log("oomwarden: " + line);
    }

    /// <summary>How long the loop may sleep before <see cref="Step"/> must run again.</summary>
    public TimeSpan UntilNext()
    {
        if (_off || _guard is null) return TimeSpan.MaxValue;
        long next = _guard.NextHeartbeat;
        foreach (var w in _list) next = Math.Min(next, w.NextDeadline);
        return Deadline.Until(next, _time.GetTimestamp(), _time.TimestampFrequency);
    }

    /// <summary>A kill that frees memory for a waiting cgroup was signalled: that OOM event is answered.</summary>
    public void Publish(EngineEvent e)
    {
        if (e is not Signalling s) return;
        foreach (var w in _list)
            if (w.IsWaiting && w.Domain.Covers(s.Kill.Target)) w.OnKillSignalled();
    }

    /// <summary>Puts every setting back (stop, guard gone). The state file keeps what could not be restored.</summary>
    public void RestoreAll()
    {
        foreach (var w in _list.ToArray()) RestoreOne(w, null);
    }

    private void RestoreOne(IOomWait w, string? why)
    {
        bool ok = w.Restore(out string? error);
        _waits.Remove(w.Domain.Path);
        if (ok)
        {
            _list.Remove(w);
            SaveState();
        }
        else
        {
            _log($"oomwarden: warning: {w.Setting.Path} not put back to {w.Setting.OldValue}: {error}; it stays in {_settings.Cgroups.OomDelayState}");
            _list.Remove(w);
            _stuck.Add(w.Setting);
            SaveState();
        }
        if (why is not null) _log($"oomwarden: oom_delay for {w.Domain.Path} off ({why}): {w.Setting.File} {w.Setting.OldValue} again");
        w.Dispose();
    }

    private bool SaveState()
    {
        var entries = new List<OomSetting>(_list.Count + _stuck.Count);
        foreach (var w in _list) entries.Add(w.Setting);
        entries.AddRange(_stuck);
        if (OomDelayStateFile.TrySave(_settings.Cgroups.OomDelayState, entries, out string? error)) return true;
        _log($"oomwarden: warning: oom_delay state not written: {error}");
        return false;
    }

    private static string FormatDelay(TimeSpan d) => Configuration.Units.FormatDuration(d);

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        RestoreAll();
        _guard?.Dispose();
        _guard = null;
    }
}
