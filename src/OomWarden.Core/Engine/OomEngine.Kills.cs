using OomWarden.Core.Decisions;
using OomWarden.Core.Detection;
using OomWarden.Core.Policy;

namespace OomWarden.Core.Engine;

/// <summary>Serving domains and moving kills along: decide, act, escalate, settle, judge.</summary>
public sealed partial class OomEngine
{
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
                NoteRelease(k, now);
                // At the kill level again: waiting longer would hand the next kill to the kernel. Past the settle time,
                // a domain whose memory is still coming back waits on, up to the victim's grace more.
                if (level == PressureLevel.Kill || (level < PressureLevel.Term && elapsed >= _settleMin)
                    || (elapsed >= _settle && !StillReleasing(k, now)))
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
        if (st.SelectPending || IsQuiet(d, st, now) || IsCovered(d) || NarrowerSelectPending(d)) return;
        if (d.Level == PressureLevel.Prepare)
        {
            if (st.Prepared is null || now - st.PreparedAt >= _preparedMaxAge) RequestSelect(d, st);
            return;
        }
        if (st.Prepared is not null && now - st.PreparedAt < _preparedUsableAge && PreparedStillHolds(d, st) && !IsDying(st.Prepared.Victim!))
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
        // "Nothing to kill" ahead of time only says the domain was empty then (a cgroup whose hog has not started):
        // at the crossing, look again.
        if (st.Prepared?.Victim is not { } victim) return false;
        long consumed = st.PreparedAvailableBytes - d.AvailableBytes;
        return consumed <= Math.Max(victim.FootprintBytes / 4, 1L << 20);
    }

    /// <summary>Left alone after "nothing to kill" or a refused signal, unless the kernel has since started holding
    /// the domain's tasks for an answer (a new oom_delay episode).</summary>
    private static bool IsQuiet(WatchedDomain d, DomainState st, long now) => now < st.QuietUntil && st.QuietEpisode == d.WaitEpisode;

    private void RequestSelect(WatchedDomain d, DomainState st)
    {
        st.SelectPending = true;
        _commands.Enqueue(new EngineCommand(CommandKind.Select, d, null, 0));
    }

    /// <param name="reason">The reason line; the domain's own (<see cref="WatchedDomain.Describe"/>) when null.</param>
    private void Act(WatchedDomain d, DomainState st, Decision decision, long now, double decisionMs, string? reason = null)
    {
        st.Prepared = null;
        reason ??= d.Describe();
        if (decision.NothingToKill)
        {
            st.QuietUntil = now + _quiet;
            st.QuietEpisode = d.WaitEpisode;
            _events.Publish(new NothingToKill(_time.GetUtcNow(), d, decision, reason));
            return;
        }
        var victim = decision.Victim!;
        if (IsDying(victim))
        {
            // Signalled by us and maybe still exiting (a host that did not screen its view): killing it again frees
            // nothing and would count a second kill. Left alone for a settle time, as after a refused signal.
            st.QuietUntil = now + Math.Max(_settle, Ticks(TimeSpan.FromSeconds(1)));
            st.QuietEpisode = d.WaitEpisode;
            return;
        }
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
        k.ReleasePeakBytes = k.Domain.AvailableBytes;
        k.ReleasingAt = 0;
    }

    /// <summary>Memory coming back while settling: the domain's available bytes reached a new high by at least
    /// <see cref="ReleaseStepBytes"/> (so noise of a few pages does not count).</summary>
    private static void NoteRelease(KillInFlight k, long now)
    {
        long available = k.Domain.AvailableBytes;
        if (available - k.ReleasePeakBytes < ReleaseStepBytes) return;
        k.ReleasePeakBytes = available;
        k.ReleasingAt = now;
    }

    /// <summary>The victim's memory was still coming back within the last <see cref="EngineOptions.ReleaseQuiet"/>,
    /// and the settle time plus the victim's grace is not over.</summary>
    private bool StillReleasing(KillInFlight k, long now) =>
        k.ReleasingAt != 0 && now - k.ReleasingAt < _releaseQuiet && now - k.SettleStartedAt < _settle + Ticks(k.Grace);

    /// <summary>64 pages of 4 KiB.</summary>
    private const long ReleaseStepBytes = 256 << 10;

    private void Judge(KillInFlight k, long now)
    {
        JudgeNoRemove(k, now);
        Remove(k);
    }

    private void JudgeNoRemove(KillInFlight k, long now)
    {
        long freed = k.Domain.AvailableBytes - k.AvailableBeforeBytes;
        _state.Kills++;
        RememberIfDying(k, now);
        if (StateOf(k.Domain) is { } st) st.Kills++;
        if (!k.WholeCgroup && k.Decision?.VictimCgroup is { } vc) _state.Ladder[vc.Path] = now;
        TimeSpan? exitAfter = k.Result == "exited" && k.ExitedAt != 0 ? _time.GetElapsedTime(k.SignalledAt, k.ExitedAt) : null;
        _events.Publish(new Judged(_time.GetUtcNow(), k, freed, exitAfter));
    }
}
