using OomWarden.Core.Decisions;
using OomWarden.Core.Levels;
using OomWarden.Core.Model;

namespace OomWarden.Core.Engine;

/// <summary>Graded warnings ([levels]) and the cooperative release at medium: evaluated every step, above the
/// term/kill levels, which stay the last resort. The only kill started here is the release's escalation
/// (<c>release_kill</c>), through the term level's own kill path.</summary>
public sealed partial class OomEngine
{
    /// <summary>The warning level of <paramref name="domainName"/> (None when unknown).</summary>
    public WarningLevel WarningOf(string domainName)
        => _state.Domains.GetValueOrDefault(domainName)?.Warning?.Level ?? WarningLevel.None;

    /// <summary>How <paramref name="domainName"/>'s available memory moves (the level machine's smoothed slope, bytes
    /// per second, negative while it fills) and the time to its term level at that slope (null: not filling, or no
    /// levels). Both null when [levels] is off or the domain has had no reading.</summary>
    public (double? SlopeBytesPerSecond, double? ExhaustionSeconds) FillOf(string domainName)
        => _state.Domains.GetValueOrDefault(domainName)?.Warning is { } m ? (m.SlopeBytesPerSecond, m.ExhaustionSeconds) : (null, null);

    /// <summary>Allocates nothing unless a level changes, repeats, or a release is under way.</summary>
    private void StepLevels(long now)
    {
        var levels = _options.Levels;
        if (!levels.Enabled)
        {
            // no warning level to reach (also after a reload turned them off): nothing of the levels drives the polling
            foreach (var d in _domains) d.WarningDistanceBytes = long.MaxValue;
            return;
        }
        for (int i = 0; i < _domains.Length; i++)
        {
            var d = _domains[i];
            var st = _domainStates[i];
            if (!d.HasFigures)
            {
                d.WarningDistanceBytes = long.MaxValue;
                continue;
            }
            var m = st.Warning ??= new LevelMachine(levels, _time.TimestampFrequency);
            if (m.Update(now, d.LevelInput, out var previous))
            {
                _events.Publish(new WarningChanged(_time.GetUtcNow(), d, previous, m.Level, d.AvailableBytes) { Reason = m.Describe(m.Level) });
            }
            else if (m.RepeatDue(now))
            {
                m.Notified(now);
                _events.Publish(new WarningChanged(_time.GetUtcNow(), d, m.Level, m.Level, d.AvailableBytes) { Reason = m.Describe(m.Level) });
            }
            // Below an armed kernel wake-up (armed no higher than the loosest warning level) nothing needs polling.
            long distance = d.KernelWakesFirst ? long.MaxValue : m.DistanceToNextBytes;
            d.WarningDistanceBytes = distance;
            if (levels.Release) StepRelease(d, st, m, now);
            StepReclaim(d, st, m, now);
        }
    }

    /// <summary>An episode starts when medium's conditions hold (not merely the hold), asks one subscriber at a time
    /// while they still hold, escalates to one kill when all were asked and they still hold, and ends once the level
    /// has fallen below medium or its kill is over.</summary>
    private void StepRelease(WatchedDomain d, DomainState st, LevelMachine m, long now)
    {
        var episode = st.Release;
        bool short_ = m.Raw >= WarningLevel.Medium;
        if (episode is null)
        {
            if (!short_) return;
            st.Release = episode = new ReleaseEpisode();
        }
        if (episode.CommandPending) return;
        if (episode.Current is { } r)
        {
            if (now < r.Deadline) return;
            episode.CommandPending = true;
            _commands.Enqueue(new EngineCommand(CommandKind.MeasureRelease, d, null, 0) { Release = r });
            return;
        }
        if (m.Level < WarningLevel.Medium)
        {
            st.Release = null;
            return;
        }
        if (now < episode.NotBefore) return;
        if (short_ && !episode.Exhausted) AskNext(d, episode, m);
        else TryEscalate(d, st, episode, now);
    }

    /// <summary>After every subscriber asked was measured, with medium's conditions still holding: one kill per the
    /// policy, as at the term level (a fresh Select, then <see cref="Act"/>). Never without a subscriber asked, never
    /// while a kill stands for the domain (that kill answers for the episode), never paused.</summary>
    private void TryEscalate(WatchedDomain d, DomainState st, ReleaseEpisode episode, long now)
    {
        if (!_options.Levels.ReleaseKill || !episode.Exhausted || episode.AskedPids.Count == 0
            || episode.Current is not null || episode.CommandPending || episode.EscalationPending) return;
        if (episode.Escalated)
        {
            if (KillStandsFor(d)) return;
            // Its kill is over: a new round (ask again, then kill again) no sooner than a release_grace from now.
            st.Release = new ReleaseEpisode { NotBefore = now + Ticks(_options.Levels.ReleaseGrace) };
            return;
        }
        if (st.Warning is not { Raw: >= WarningLevel.Medium } || _state.Paused) return;
        if (KillStandsFor(d))
        {
            episode.Escalated = true;
            return;
        }
        if (st.SelectPending || IsQuiet(d, st, now)) return;
        episode.EscalationPending = true;
        RequestSelect(d, st);
    }

    /// <summary>The selector's answer to the escalation's Select (the domain below its term level).</summary>
    private void EscalateRelease(WatchedDomain d, DomainState st, Decision decision, long now, double decisionMs)
    {
        if (st.Release is not { } episode || st.Warning is not { Raw: >= WarningLevel.Medium } m || !_options.Levels.ReleaseKill
            || _state.Paused || KillStandsFor(d) || IsQuiet(d, st, now)) return;
        episode.Escalated = true;
        int asked = episode.AskedPids.Count;
        string reason = $"{LevelMachine.Name(WarningLevel.Medium)}: {asked} subscriber{(asked == 1 ? "" : "s")} asked, "
            + $"{SizeFormat.FormatBytes(episode.FreedBytes)} freed, still {LevelMachine.Name(m.Raw)} ({m.Describe(m.Raw)})";
        Act(d, st, decision, now, decisionMs, reason);
    }

    /// <summary>A kill in flight for <paramref name="d"/> or one that frees memory for it.</summary>
    private bool KillStandsFor(WatchedDomain d)
    {
        foreach (var k in _state.InFlight)
            if (string.Equals(k.Domain.Name, d.Name, StringComparison.Ordinal) || d.Covers(k.Target)) return true;
        return false;
    }

    private void AskNext(WatchedDomain d, ReleaseEpisode episode, LevelMachine m)
    {
        var request = new ReleaseRequest(_state.NextReleaseId++, d, TargetBytes(d, m.Input), _options.Levels.ReleaseGrace)
        {
            AlreadyAsked = episode.AskedPids,
        };
        episode.CommandPending = true;
        _commands.Enqueue(new EngineCommand(CommandKind.AskRelease, d, null, 0) { Release = request });
    }

    /// <summary>What the domain needs back to leave medium and low: up to the loosest <c>available</c> of low and
    /// medium, and at least 5 % of its total (a level held by PSI alone has no byte figure to aim at).</summary>
    private long TargetBytes(WatchedDomain d, in LevelInput input)
    {
        long target = input.TotalBytes / 20;
        foreach (var c in (ReadOnlySpan<Settings.LevelConditions>)[_options.Levels.Low, _options.Levels.Medium])
            if (c.Available is { } t) target = Math.Max(target, t.ToBytes(input.TotalBytes) - input.AvailableBytes);
        return Math.Max(target, 0);
    }

    /// <summary>The host's answer to <see cref="CommandKind.AskRelease"/>: <paramref name="sent"/> when a subscriber
    /// was asked (its pid, cgroup and "before" figures filled in), false when nobody is left to ask.</summary>
    public void OnReleaseAsked(ReleaseRequest request, bool sent)
    {
        var st = StateOf(request.Domain);
        if (st?.Release is not { } episode) return;
        episode.CommandPending = false;
        if (!sent)
        {
            episode.Exhausted = true;
            // Everyone was asked and measured: escalate now rather than at the next tick.
            if (FindDomain(request.Domain.Name) is { } d && st.Warning is { } m && m.Raw >= WarningLevel.Medium)
                TryEscalate(d, st, episode, _time.GetTimestamp());
            return;
        }
        episode.AskedPids.Add(request.Pid);
        request.Deadline = _time.GetTimestamp() + Ticks(request.Grace);
        episode.Current = request;
        _events.Publish(new ReleaseAsked(_time.GetUtcNow(), request));
    }

    /// <summary>The host's answer to <see cref="CommandKind.MeasureRelease"/> ("after" figures filled in): the
    /// measurement is recorded; the next subscriber is asked when medium's conditions still hold.</summary>
    public void OnReleaseMeasured(ReleaseRequest request)
    {
        var st = StateOf(request.Domain);
        // Medium's conditions themselves, not the level's hold: a subscriber that fixed it spares the next one.
        bool stillShort = st?.Warning?.Raw >= WarningLevel.Medium;
        _events.Publish(new ReleaseMeasured(_time.GetUtcNow(), request, stillShort));
        if (st?.Release is not { } episode || episode.Current != request) return;
        episode.CommandPending = false;
        episode.Current = null;
        episode.FreedBytes += request.FreedBytes;
        if (stillShort && !episode.Exhausted && st.Warning is { } m) AskNext(request.Domain, episode, m);
    }

    /// <summary>The earliest level deadline (hold end, repeat, release deadline).</summary>
    private long NextLevelDeadline()
    {
        // Only what lies ahead: a deadline already passed was acted on in the last step, or waits for the domain's
        // next good reading.
        long next = long.MaxValue;
        long now = _time.GetTimestamp();
        foreach (var st in _domainStates)
        {
            if (st.Warning is { } m && m.NextDeadline > now) next = Math.Min(next, m.NextDeadline);
            if (st.Release?.Current is { } r && r.Deadline > now) next = Math.Min(next, r.Deadline);
            if (st.Release is { NotBefore: var notBefore } && notBefore > now) next = Math.Min(next, notBefore);
        }
        return next;
    }
}
