using OomWarden.Core.Decisions;
using OomWarden.Core.Detection;
using OomWarden.Core.Policy;

namespace OomWarden.Core.Engine;

/// <summary>The host's reports: a decision, a verified victim, a signal sent, an exit, a cgroup killed; and signals recovered from the journal.</summary>
public sealed partial class OomEngine
{
    /// <summary>The selector's answer to a <see cref="CommandKind.Select"/>.</summary>
    public void OnDecision(WatchedDomain domain, Decision decision, double decisionMs)
    {
        long now = _time.GetTimestamp();
        var st = StateOf(domain);
        if (st is null) return;
        st.SelectPending = false;
        bool escalation = st.Release is { EscalationPending: true };
        if (escalation) st.Release!.EscalationPending = false;
        st.Prepared = decision;
        st.PreparedAt = now;
        st.PreparedAvailableBytes = domain.AvailableBytes;
        _events.Publish(new Decided(_time.GetUtcNow(), domain, decision, domain.Level < PressureLevel.Term && !escalation, decisionMs));
        if (domain.Level >= PressureLevel.Term && !IsQuiet(domain, st, now) && !IsCovered(domain))
            Act(domain, st, decision, now, decisionMs);
        else if (escalation) EscalateRelease(domain, st, decision, now, decisionMs);
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
                if (StateOf(kill.Domain) is { } st)
                {
                    st.QuietUntil = now + Math.Max(_settle, Ticks(TimeSpan.FromSeconds(1)));
                    st.QuietEpisode = kill.Domain.WaitEpisode;
                }
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

    /// <summary>The answer to <see cref="CommandKind.KillCgroup"/>.</summary>
    /// <param name="result">"exited", "still_alive" (some survived the killer's bound), "vanished" or "failed".</param>
    public void OnCgroupKilled(KillInFlight kill, string result, int survivors, string? message)
    {
        if (kill.Phase != KillPhase.KillingCgroup) return;
        long now = _time.GetTimestamp();
        kill.LastSignal = Signals.SigKill;
        kill.SignalledAt = kill.SignalledAt == 0 ? now : kill.SignalledAt;
        kill.ExitedAt = now;
        kill.Result = result;
        kill.Survivors = survivors;
        kill.Message = message;
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

    /// <summary>At stop: judges at once every kill whose victim is gone (settling), with the figures as they are, so the
    /// journal holds its <c>kill</c> record; drops dry-run pretend kills. Kills still in their grace are left open:
    /// their signal record stays unclosed, and the next instance finishes them.</summary>
    public void FinishOnStop()
    {
        long now = _time.GetTimestamp();
        var kills = _state.InFlight;
        for (int i = 0; i < kills.Count;)
        {
            var k = kills[i];
            if (k.Phase == KillPhase.Settling)
            {
                JudgeNoRemove(k, now);
                kills.RemoveAt(i);
            }
            else if (k.Phase == KillPhase.Pretend) kills.RemoveAt(i);
            else i++;
        }
    }
}
