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
public sealed class OomEngine
{
    private readonly EngineOptions _options;
    private readonly TimeProvider _time;
    private readonly IEventSink _events;
    private readonly EngineState _state;
    private readonly Queue<EngineCommand> _commands = new(16);
    private readonly long _preparedMaxAge, _preparedUsableAge, _quiet, _ladderWindow, _exitWait, _settle, _settleMin;
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
    }

    public EngineOptions Options => _options;

    public EngineState State => _state;

    /// <summary>Narrowest first.</summary>
    public ReadOnlySpan<WatchedDomain> Domains => _domains;

    public IReadOnlyList<KillInFlight> KillsInFlight => _state.InFlight;

    /// <summary>The domains to watch (after a rescan: the same names keep their state). Kills in flight keep the
    /// domain object they started with.</summary>
    public void SetDomains(IEnumerable<WatchedDomain> domains)
    {
        var sorted = domains.OrderByDescending(d => d.Specificity).ThenBy(d => d.Name, StringComparer.Ordinal).ToArray();
        var states = new DomainState[sorted.Length];
        var keep = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < sorted.Length; i++)
        {
            if (!_state.Domains.TryGetValue(sorted[i].Name, out var st)) _state.Domains[sorted[i].Name] = st = new DomainState();
            states[i] = st;
            keep.Add(sorted[i].Name);
        }
        foreach (var name in _state.Domains.Keys.Where(n => !keep.Contains(n)).ToList()) _state.Domains.Remove(name);
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
        var kills = _state.InFlight;
        for (int i = 0; i < kills.Count;)
        {
            if (Advance(kills[i], now)) kills.RemoveAt(i);
            else i++;
        }
        for (int i = 0; i < _domains.Length; i++) Consider(_domains[i], _domainStates[i], now);
    }

    /// <summary>The selector's answer to a <see cref="CommandKind.Select"/>.</summary>
    public void OnDecision(WatchedDomain domain, Decision decision, double decisionMs)
    {
        long now = _time.GetTimestamp();
        var st = StateOf(domain);
        if (st is null) return;
        st.SelectPending = false;
        st.Prepared = decision;
        st.PreparedAt = now;
        st.PreparedAvailableBytes = domain.AvailableBytes;
        _events.Publish(new Decided(_time.GetUtcNow(), domain, decision, domain.Level < PressureLevel.Term, decisionMs));
        if (domain.Level >= PressureLevel.Term && now >= st.QuietUntil && !IsCovered(domain))
            Act(domain, st, decision, now, decisionMs);
    }

    /// <summary>The answer to <see cref="CommandKind.OpenVictim"/>: true when the pidfd names the chosen process.</summary>
    public void OnVictimOpened(KillInFlight kill, bool verified)
    {
        if (kill.Phase != KillPhase.Opening) return;
        if (!verified)
        {
            Remove(kill);
            _events.Publish(kill.Recovered
                ? new Recovered(_time.GetUtcNow(), kill, RecoveryOutcome.Gone)
                : new VictimVanished(_time.GetUtcNow(), kill, SignalRecorded: false));
            return;
        }
        if (kill.Recovered)
        {
            _events.Publish(new Recovered(_time.GetUtcNow(), kill, RecoveryOutcome.Finishing));
            if (kill.FirstSignal == Signals.SigKill) SendSignal(kill, Signals.SigKill, ahead: false);
            else
            {
                kill.Phase = KillPhase.Grace;
                if (Advance(kill, _time.GetTimestamp())) Remove(kill);
            }
            return;
        }
        SendSignal(kill, kill.FirstSignal, ahead: true);
    }

    /// <summary>The answer to <see cref="CommandKind.Signal"/>.</summary>
    /// <param name="error">For <see cref="SignalResult.Failed"/>: what the kernel said.</param>
    public void OnSignalSent(KillInFlight kill, int signal, SignalResult result, string? error = null)
    {
        if (kill.Phase != KillPhase.Signalling) return;
        long now = _time.GetTimestamp();
        bool first = kill.LastSignal == 0;
        switch (result)
        {
            case SignalResult.Sent:
                kill.LastSignal = signal;
                if (first)
                {
                    kill.SignalledAt = now;
                    _events.Publish(new Signalled(_time.GetUtcNow(), kill, signal));
                }
                if (signal == Signals.SigKill)
                {
                    if (_options.MemoryRelease) _commands.Enqueue(new EngineCommand(CommandKind.ReleaseMemory, kill.Domain, kill, 0));
                    kill.Phase = KillPhase.Killed;
                    kill.Deadline = now + _exitWait;
                }
                else
                {
                    kill.Phase = KillPhase.Grace;
                    kill.Deadline = kill.SignalledAt + Ticks(kill.Grace);
                }
                break;
            case SignalResult.Gone when first:
                // Exited on its own between the pidfd check and the signal: nothing sent, choose again.
                _commands.Enqueue(new EngineCommand(CommandKind.CloseVictim, kill.Domain, kill, 0));
                Remove(kill);
                _events.Publish(new VictimVanished(_time.GetUtcNow(), kill, SignalRecorded: true));
                break;
            case SignalResult.Gone:
                OnExited(kill);
                break;
            default:
                kill.Result = "failed";
                kill.Message = error;
                _commands.Enqueue(new EngineCommand(CommandKind.CloseVictim, kill.Domain, kill, 0));
                // A refused signal would be retried every tick: leave the domain alone for a settle time.
                if (StateOf(kill.Domain) is { } st) st.QuietUntil = now + Math.Max(_settle, Ticks(TimeSpan.FromSeconds(1)));
                Judge(kill, now);
                break;
        }
    }

    /// <summary>The victim's pidfd turned readable.</summary>
    public void OnExited(KillInFlight kill)
    {
        if (kill.Phase is not (KillPhase.Grace or KillPhase.Killed or KillPhase.Signalling)) return;
        long now = _time.GetTimestamp();
        kill.ExitedAt = now;
        kill.Result = "exited";
        _events.Publish(new Exited(_time.GetUtcNow(), kill, _time.GetElapsedTime(kill.SignalledAt, now)));
        _commands.Enqueue(new EngineCommand(CommandKind.CloseVictim, kill.Domain, kill, 0));
        StartSettle(kill, now);
    }

    /// <summary>The answer to <see cref="CommandKind.KillCgroup"/>: processes killed, or -1 with the error.</summary>
    public void OnCgroupKilled(KillInFlight kill, int processes, string? error)
    {
        if (kill.Phase != KillPhase.KillingCgroup) return;
        long now = _time.GetTimestamp();
        kill.LastSignal = Signals.SigKill;
        kill.SignalledAt = kill.SignalledAt == 0 ? now : kill.SignalledAt;
        kill.ExitedAt = now;
        kill.Result = processes >= 0 ? "exited" : "failed";
        kill.Message = error ?? $"{processes} processes";
        _events.Publish(new Exited(_time.GetUtcNow(), kill, _time.GetElapsedTime(kill.SignalledAt, now)));
        StartSettle(kill, now);
    }

    /// <summary>At start, before the first <see cref="Step"/> (after the first readings): a signal an earlier
    /// instance sent and never saw through. The victim is verified (same pid, same start time); if alive it is given
    /// what is left of its grace, then killed if its domain is still short, else left alone.</summary>
    public void Recover(RecoveredSignal signal)
    {
        var domain = FindDomain(signal.Domain);
        if (domain is null)
        {
            _events.Publish(new RecoveryDropped(_time.GetUtcNow(), signal, "its domain is not watched now"));
            return;
        }
        long now = _time.GetTimestamp();
        var since = _time.GetUtcNow() - signal.Time;
        if (since < TimeSpan.Zero) since = TimeSpan.Zero;
        var grace = signal.Grace ?? _options.TermGrace;
        var kill = new KillInFlight
        {
            Id = _state.NextKillId++,
            SignalId = signal.SignalId,
            Domain = domain,
            Pid = signal.Pid,
            StartTimeTicks = signal.StartTimeTicks,
            Comm = signal.Comm ?? "?",
            CgroupPath = signal.Cgroup ?? domain.Domain.CgroupPath,
            FootprintBytes = signal.FootprintBytes ?? 0,
            Rule = signal.Rule,
            Reason = signal.Reason ?? "recovered from the journal",
            FirstSignal = signal.Signal,
            Grace = grace,
            Recovered = true,
            AvailableBeforeBytes = domain.AvailableBytes,
        };
        kill.LastSignal = signal.Signal;
        kill.SignalledAt = now - Ticks(since);
        kill.Deadline = since >= grace ? now : now + Ticks(grace - since);
        kill.Phase = KillPhase.Opening;
        _state.InFlight.Add(kill);
        _commands.Enqueue(new EngineCommand(CommandKind.OpenVictim, domain, kill, 0));
    }

    /// <summary>The earliest timestamp at which the engine has something to do without a new reading
    /// (long.MaxValue: none). The host sleeps no longer than this.</summary>
    public long NextDeadline
    {
        get
        {
            long next = long.MaxValue;
            long now = _time.GetTimestamp();
            foreach (var k in _state.InFlight)
            {
                switch (k.Phase)
                {
                    case KillPhase.Grace or KillPhase.Killed or KillPhase.Pretend:
                        next = Math.Min(next, k.Deadline);
                        break;
                    case KillPhase.Settling:
                        long min = k.SettleStartedAt + _settleMin;
                        next = Math.Min(next, now < min ? min : k.SettleStartedAt + _settle);
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

    /// <summary>Moves one kill along; true when it is finished (to be removed).</summary>
    private bool Advance(KillInFlight k, long now)
    {
        switch (k.Phase)
        {
            case KillPhase.Grace:
                bool graceOver = now >= k.Deadline;
                if (!graceOver && !CoveringDomainAtKill(k)) return false;
                if (k.Recovered && k.Domain.Level < PressureLevel.Term)
                {
                    if (!graceOver) return false;
                    _commands.Enqueue(new EngineCommand(CommandKind.CloseVictim, k.Domain, k, 0));
                    _events.Publish(new Recovered(_time.GetUtcNow(), k, RecoveryOutcome.LeftAlone));
                    return true;
                }
                k.Escalated = true;
                _events.Publish(new Escalated(_time.GetUtcNow(), k, graceOver));
                SendSignal(k, Signals.SigKill, ahead: false);
                return false;
            case KillPhase.Killed:
                if (now < k.Deadline) return false;
                k.Result = "still_alive";
                _commands.Enqueue(new EngineCommand(CommandKind.CloseVictim, k.Domain, k, 0));
                StartSettle(k, now);
                return false;
            case KillPhase.Settling:
                long elapsed = now - k.SettleStartedAt;
                var level = k.Domain.Level;
                // At the kill level again: waiting longer would hand the next kill to the kernel.
                if (level == PressureLevel.Kill || (level < PressureLevel.Term && elapsed >= _settleMin) || elapsed >= _settle)
                {
                    JudgeNoRemove(k, now);
                    return true;
                }
                return false;
            case KillPhase.Pretend:
                return now >= k.Deadline;
            default:
                return false;
        }
    }

    private void Consider(WatchedDomain d, DomainState st, long now)
    {
        if (!d.HasFigures) return;
        if (d.Level < PressureLevel.Prepare)
        {
            st.Prepared = null;
            return;
        }
        if (st.SelectPending || now < st.QuietUntil || IsCovered(d) || NarrowerSelectPending(d)) return;
        if (d.Level == PressureLevel.Prepare)
        {
            if (st.Prepared is null || now - st.PreparedAt >= _preparedMaxAge) RequestSelect(d, st);
            return;
        }
        if (st.Prepared is not null && now - st.PreparedAt < _preparedUsableAge && PreparedStillHolds(d, st))
        {
            Act(d, st, st.Prepared, now, 0);
            return;
        }
        RequestSelect(d, st);
    }

    /// <summary>A prepared decision ranks footprints as they were when it was taken. Memory that went since then
    /// went to someone: when that is more than a quarter of the chosen victim's footprint, a process that was
    /// smaller then may be the largest now (a hog at full speed fills 500 MiB in a fraction of the 250 ms
    /// refresh), so the decision is taken again rather than hitting a bystander.</summary>
    private static bool PreparedStillHolds(WatchedDomain d, DomainState st)
    {
        if (st.Prepared?.Victim is not { } victim) return true;
        long consumed = st.PreparedAvailableBytes - d.AvailableBytes;
        return consumed <= Math.Max(victim.FootprintBytes / 4, 1L << 20);
    }

    private void RequestSelect(WatchedDomain d, DomainState st)
    {
        st.SelectPending = true;
        _commands.Enqueue(new EngineCommand(CommandKind.Select, d, null, 0));
    }

    private void Act(WatchedDomain d, DomainState st, Decision decision, long now, double decisionMs)
    {
        st.Prepared = null;
        string reason = d.Describe();
        if (decision.NothingToKill)
        {
            st.QuietUntil = now + _quiet;
            _events.Publish(new NothingToKill(_time.GetUtcNow(), d, decision, reason));
            return;
        }
        var victim = decision.Victim!;
        var action = decision.Action ?? new VictimAction(KillMode.Process, Signals.SigTerm, _options.TermGrace);
        var ladderCgroup = decision.VictimCgroup;
        bool whole = ladderCgroup is not null && _state.Ladder.TryGetValue(ladderCgroup.Path, out long at) && now - at < _ladderWindow;
        int signal = whole || d.Level == PressureLevel.Kill ? Signals.SigKill : action.Signal;
        var chosen = decision.Path.Count > 0 && decision.Path[^1].Ranked.Count > 0 ? decision.Path[^1].Ranked[0] : null;
        long id = _state.NextKillId++;
        var kill = new KillInFlight
        {
            Id = id,
            SignalId = _options.InstanceId + "-" + id.ToString(System.Globalization.CultureInfo.InvariantCulture),
            Domain = d,
            Decision = decision,
            Pid = victim.Pid,
            StartTimeTicks = victim.StartTimeTicks,
            Comm = victim.Comm,
            CgroupPath = whole ? ladderCgroup!.Path : victim.CgroupPath,
            MemsAllowedMask = victim.MemsAllowedMask,
            FootprintBytes = whole ? ladderCgroup!.Memory.WorkingSetBytes : victim.FootprintBytes,
            OomScoreAdj = victim.OomScoreAdj,
            Rule = chosen?.Rule,
            Priority = chosen?.Priority,
            WholeCgroup = whole,
            Reason = reason,
            FirstSignal = signal,
            Grace = action.TermGrace,
            AvailableBeforeBytes = d.AvailableBytes,
            DecisionMs = decisionMs,
        };
        _state.InFlight.Add(kill);
        // Decisions prepared elsewhere may name this victim or count on memory it holds: take them again later.
        for (int i = 0; i < _domains.Length; i++)
            if (_domains[i].Covers(kill.Target)) _domainStates[i].Prepared = null;

        if (_options.DryRun)
        {
            kill.Phase = KillPhase.Pretend;
            kill.Result = "dry_run";
            kill.Deadline = now + Ticks(action.TermGrace) + _settle;
            if (ladderCgroup is not null) _state.Ladder[ladderCgroup.Path] = now;
            _events.Publish(new WouldKill(_time.GetUtcNow(), kill));
            return;
        }
        if (whole)
        {
            _state.Ladder.Remove(ladderCgroup!.Path);
            kill.Phase = KillPhase.KillingCgroup;
            kill.SignalledAt = now;
            _events.Publish(new Signalling(_time.GetUtcNow(), kill, Signals.SigKill));
            _commands.Enqueue(new EngineCommand(CommandKind.KillCgroup, d, kill, Signals.SigKill));
            return;
        }
        kill.Phase = KillPhase.Opening;
        _commands.Enqueue(new EngineCommand(CommandKind.OpenVictim, d, kill, 0));
    }

    /// <param name="ahead">The first signal: the journal's signal record is written before the command goes out.</param>
    private void SendSignal(KillInFlight k, int signal, bool ahead)
    {
        k.Phase = KillPhase.Signalling;
        if (ahead) _events.Publish(new Signalling(_time.GetUtcNow(), k, signal));
        _commands.Enqueue(new EngineCommand(CommandKind.Signal, k.Domain, k, signal));
    }

    private void StartSettle(KillInFlight k, long now)
    {
        k.Phase = KillPhase.Settling;
        k.SettleStartedAt = now;
    }

    private void Judge(KillInFlight k, long now)
    {
        JudgeNoRemove(k, now);
        Remove(k);
    }

    private void JudgeNoRemove(KillInFlight k, long now)
    {
        long freed = k.Domain.AvailableBytes - k.AvailableBeforeBytes;
        _state.Kills++;
        if (StateOf(k.Domain) is { } st) st.Kills++;
        if (!k.WholeCgroup && k.Decision?.VictimCgroup is { } vc) _state.Ladder[vc.Path] = now;
        TimeSpan? exitAfter = k.Result == "exited" && k.ExitedAt != 0 ? _time.GetElapsedTime(k.SignalledAt, k.ExitedAt) : null;
        _events.Publish(new Judged(_time.GetUtcNow(), k, freed, exitAfter));
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
