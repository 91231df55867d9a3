using OomWarden.Core.Collections;
using OomWarden.Core.Decisions;
using OomWarden.Core.Detection;
using OomWarden.Core.Policy;

namespace OomWarden.Core.Engine;

/// <summary>Every decision of the daemon, from plain data: the domains' latest figures, the engine's state and the
/// clock go in; commands for the host and events for the bus come out. No I/O, no sleeping: a kill is a state
/// machine (opening → signalled → killed → settling → judged), so independent domains progress at the same time,
/// with at most one kill in flight for each domain.</summary>
/// <remarks>
/// <para>Use: update the domains' figures, call <see cref="Step"/>, then drain <see cref="TryTakeCommand"/> and report
/// each command's outcome back (<see cref="OnDecision"/>, <see cref="OnVictimOpened"/>, ...), which may queue more.
/// Sleep until <see cref="NextDeadline"/> or a wake-up, and step again.</para>
/// <para>Nested domains: a kill in flight stands for every domain that <see cref="WatchedDomain.Covers"/> its victim
/// (a cgroup's ancestors, the system, the nodes it may use), so one shortage seen by several domains is answered
/// by one kill. Narrow domains act first. A domain that reaches its kill level while such a kill is in its grace
/// escalates it to SIGKILL, and is no longer held back by a kill that is only settling.</para>
/// <para>A step with no domain at its prepare level allocates nothing.</para>
/// </remarks>
public sealed partial class OomEngine
{
    private readonly EngineOptions _options;
    private readonly TimeProvider _time;
    private readonly IEventSink _events;
    private readonly EngineState _state;
    private readonly Queue<EngineCommand> _commands = new(16);
    private readonly long _preparedMaxAge, _preparedUsableAge, _quiet, _ladderWindow, _exitWait, _settle, _settleMin, _releaseQuiet;
    private WatchedDomain[] _domains = [];
    private DomainState[] _domainStates = [];

    public OomEngine(EngineOptions options, TimeProvider time, IEventSink events, EngineState? state = null)
    {
        _options = options;
        _time = time;
        _events = events;
        _state = state ?? new EngineState();
        _preparedMaxAge = Ticks(options.PreparedMaxAge);
        _preparedUsableAge = Ticks(options.PreparedUsableAge);
        _quiet = Ticks(options.NothingToKillQuiet);
        _ladderWindow = Ticks(options.LadderWindow);
        _exitWait = Ticks(options.ExitWait);
        _settle = Ticks(options.Settle);
        _settleMin = Ticks(options.SettleMinimum);
        _releaseQuiet = Ticks(options.ReleaseQuiet);
    }

    public EngineOptions Options => _options;

    public EngineState State => _state;

    /// <summary>Narrowest first.</summary>
    public ReadOnlySpan<WatchedDomain> Domains => _domains;

    public IReadOnlyList<KillInFlight> KillsInFlight => _state.InFlight;

    /// <summary>The domains to watch (after a rescan: the same names keep their state). Kills in flight keep the
    /// domain object they started with.</summary>
    public void SetDomains(ReadOnlySpan<WatchedDomain> domains)
    {
        var sorted = domains.ToArray();
        StableSort.Sort(sorted, static (a, b) =>
        {
            int c = b.Specificity.CompareTo(a.Specificity);
            return c != 0 ? c : string.CompareOrdinal(a.Name, b.Name);
        });
        var states = new DomainState[sorted.Length];
        var keep = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < sorted.Length; i++)
        {
            if (!_state.Domains.TryGetValue(sorted[i].Name, out var st)) _state.Domains[sorted[i].Name] = st = new DomainState();
            states[i] = st;
            keep.Add(sorted[i].Name);
        }
        List<string>? gone = null;
        foreach (var name in _state.Domains.Keys)
            if (!keep.Contains(name)) (gone ??= []).Add(name);
        if (gone is not null)
            foreach (var name in gone) _state.Domains.Remove(name);
        foreach (var k in _state.InFlight)
        {
            if (Array.IndexOf(sorted, k.Domain) >= 0) continue;
            foreach (var d in sorted)
                if (string.Equals(d.Name, k.Domain.Name, StringComparison.Ordinal)) { k.Rebind(d); break; }
        }
        _domains = sorted;
        _domainStates = states;
    }

    public WatchedDomain? FindDomain(string name)
    {
        foreach (var d in _domains)
            if (string.Equals(d.Name, name, StringComparison.Ordinal)) return d;
        return null;
    }

    public bool TryTakeCommand(out EngineCommand command) => _commands.TryDequeue(out command);

    /// <summary>After the domains' figures were updated: notes level changes, moves kills along (grace, exit wait,
    /// settle, dry-run deadlines), then serves every short domain that no kill in flight stands for.</summary>
    public void Step()
    {
        long now = _time.GetTimestamp();
        for (int i = 0; i < _domains.Length; i++)
        {
            var d = _domains[i];
            var st = _domainStates[i];
            if (d.Level != st.LastLevel)
            {
                _events.Publish(new LevelChanged(_time.GetUtcNow(), d, st.LastLevel, d.Level));
                st.LastLevel = d.Level;
            }
        }
        StepLevels(now);
        var kills = _state.InFlight;
        for (int i = 0; i < kills.Count;)
        {
            if (Advance(kills[i], now)) kills.RemoveAt(i);
            else i++;
        }
        if (!_state.Paused)
            for (int i = 0; i < _domains.Length; i++) Consider(_domains[i], _domainStates[i], now);
        MarkBusy();
    }

    /// <summary>After each step, for every domain: <see cref="WatchedDomain.NeedsEveryTick"/> when the engine has
    /// business with it (inside its prepare band or past it, a warning level held or holding, a release, reclaim or
    /// selection under way). The others the host may read at their own pace while no kill is in flight
    /// (<see cref="WatchedDomain.Reading"/> and <see cref="WatchedDomain.WarningDistanceBytes"/> say how long each may
    /// wait): a node packed with pods, some of them near their limits, still reads only those every tick.</summary>
    private void MarkBusy()
    {
        for (int i = 0; i < _domains.Length; i++)
        {
            var d = _domains[i];
            var st = _domainStates[i];
            d.NeedsEveryTick = d.Level != PressureLevel.None || st.SelectPending || st.Release is not null || st.Reclaim is not null
                || st.Warning is { } m && (m.Level != WarningLevel.None || m.Raw != WarningLevel.None);
        }
    }

    /// <summary>The earliest timestamp at which the engine has something to do without a new reading
    /// (long.MaxValue: none). The host sleeps no longer than this.</summary>
    public long NextDeadline
    {
        get
        {
            long next = Math.Min(NextLevelDeadline(), NextReclaimDeadline());
            long now = _time.GetTimestamp();
            foreach (var k in _state.InFlight)
            {
                switch (k.Phase)
                {
                    case KillPhase.Grace or KillPhase.Killed or KillPhase.Pretend:
                        next = Math.Min(next, k.Deadline);
                        break;
                    case KillPhase.Settling:
                        long min = k.SettleStartedAt + _settleMin, end = k.SettleStartedAt + _settle;
                        next = Math.Min(next, now < min ? min
                            : now < end || !StillReleasing(k, now) ? end
                            : Math.Min(k.ReleasingAt + _releaseQuiet, end + Ticks(k.Grace)));
                        break;
                }
            }
            for (int i = 0; i < _domains.Length; i++)
            {
                var d = _domains[i];
                var st = _domainStates[i];
                if (d.Level < PressureLevel.Prepare) continue;
                // Only what lies ahead: a deadline already passed is either acted on in the next step or waits on
                // something else (a kill in flight, a pending decision) that has a deadline of its own.
                if (st.QuietUntil > now) next = Math.Min(next, st.QuietUntil);
                long refresh = st.PreparedAt + _preparedMaxAge;
                if (d.Level == PressureLevel.Prepare && st.Prepared is not null && refresh > now) next = Math.Min(next, refresh);
            }
            return next;
        }
    }

    private void Remove(KillInFlight k) => _state.InFlight.Remove(k);

    /// <summary>True when a kill in flight stands for <paramref name="d"/>. A kill that is only settling no longer
    /// holds back a domain at its kill level.</summary>
    private bool IsCovered(WatchedDomain d)
    {
        foreach (var k in _state.InFlight)
        {
            if (!d.Covers(k.Target)) continue;
            if (k.Phase == KillPhase.Settling && d.Level == PressureLevel.Kill) continue;
            return true;
        }
        return false;
    }

    /// <summary>True while a narrower domain that <paramref name="d"/> counts on is choosing its victim: its kill
    /// will stand for <paramref name="d"/> too.</summary>
    private bool NarrowerSelectPending(WatchedDomain d)
    {
        for (int i = 0; i < _domains.Length; i++)
        {
            var e = _domains[i];
            if (e.Specificity <= d.Specificity) break;
            if (_domainStates[i].SelectPending && e.Level >= PressureLevel.Term && d.Covers(e.AsTarget)) return true;
        }
        return false;
    }

    private bool CoveringDomainAtKill(KillInFlight k)
    {
        if (k.Domain.Level == PressureLevel.Kill) return true;
        foreach (var d in _domains)
            if (d.Level == PressureLevel.Kill && d.Covers(k.Target)) return true;
        return false;
    }

    private DomainState? StateOf(WatchedDomain d) => _state.Domains.GetValueOrDefault(d.Name);

    private long Ticks(TimeSpan span) => (long)(span.TotalSeconds * _time.TimestampFrequency);
}

public enum SignalResult
{
    Sent,

    /// <summary>ESRCH: the process had already exited.</summary>
    Gone,

    /// <summary>The kernel refused (EPERM, ...).</summary>
    Failed,
}
