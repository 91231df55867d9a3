using OomWarden.Core.Decisions;
using OomWarden.Core.Detection;
using OomWarden.Core.Levels;
using OomWarden.Core.Model;
using OomWarden.Core.Settings;

namespace OomWarden.Core.Engine;

/// <summary>Proactive reclaim at the warning level <c>low</c> (cgroup v2, cgroups a rule marks <c>reclaim = true</c>):
/// one <c>memory.reclaim</c> step at a time per domain, on its lowest-priority cgroup that is not stopped, at most
/// one step per interval per domain and per cgroup. A cgroup stops (for <see cref="ReclaimSettings.RetryAfter"/>)
/// when its PSI is at or above the threshold, when the kernel could not reclaim the whole step (EAGAIN), when it is
/// gone or the write failed. Never at medium or above (the release and then the kill path run there), never while
/// a kill stands for the domain, while paused, or at the term level.</summary>
public sealed partial class OomEngine
{
    /// <summary>Called for every domain with figures after its level machine was updated.</summary>
    private void StepReclaim(WatchedDomain d, DomainState st, LevelMachine m, long now)
    {
        if (_options.Reclaim is null) return;
        if (m.Level != WarningLevel.Low)
        {
            // A step still out keeps its episode until it is answered (one step at a time per domain).
            if (st.Reclaim is { Pending: false }) st.Reclaim = null;
            return;
        }
        // Low held after its conditions ended: nothing to reclaim for.
        if (m.Raw != WarningLevel.Low || d.Domain.Kind == DomainKind.Nodes) return;
        if (_state.Paused || d.Level >= PressureLevel.Term || IsCovered(d)) return;
        var e = st.Reclaim ??= new ReclaimEpisode();
        if (e.Pending || now < e.NextAt) return;
        e.Pending = true;
        _commands.Enqueue(new EngineCommand(CommandKind.RankReclaim, d, null, 0));
    }

    /// <summary>The host's answer to <see cref="CommandKind.RankReclaim"/>: the domain's cgroups that may be
    /// reclaimed from, lowest priority first (<see cref="ReclaimCandidates.Rank"/>). The first one that is not
    /// stopped, was not stepped within the interval and uses at least a minimum step gets the next step.</summary>
    public void OnReclaimCandidates(WatchedDomain d, IReadOnlyList<ReclaimCandidate> candidates)
    {
        if (StateOf(d)?.Reclaim is not { } e || _options.Reclaim is not { } r) return;
        e.Pending = false;
        long now = _time.GetTimestamp();
        long interval = Ticks(r.Interval);
        foreach (var c in candidates)
        {
            if (e.Stopped.TryGetValue(c.CgroupPath, out long until) && now < until) continue;
            if (_state.ReclaimedAt.TryGetValue(c.CgroupPath, out long at) && now - at < interval) continue;
            if (c.UsageBytes < ReclaimSettings.MinStepBytes) continue;
            e.Stopped.Remove(c.CgroupPath);
            var step = new ReclaimStep(_state.NextReclaimId++, d, c.CgroupPath, c.Priority, c.RuleName,
                Math.Min(r.StepBytes(d.TotalBytes), c.UsageBytes), r.StopPsiSomeAvg10);
            if (_options.DryRun)
            {
                step.Result = ReclaimResult.DryRun;
                OnReclaimed(step);
                return;
            }
            e.Pending = true;
            _commands.Enqueue(new EngineCommand(CommandKind.Reclaim, d, null, 0) { Reclaim = step });
            return;
        }
        // Nothing to step now: look again after an interval.
        e.NextAt = now + interval;
    }

    /// <summary>The host's answer to <see cref="CommandKind.Reclaim"/> (result and measurements filled in).</summary>
    public void OnReclaimed(ReclaimStep step)
    {
        long now = _time.GetTimestamp();
        var r = _options.Reclaim;
        long interval = r is null ? 0 : Ticks(r.Interval);
        var at = _state.ReclaimedAt;
        if (at.Count >= 64)
        {
            var old = new List<string>();
            foreach (var (cgroup, stepped) in at)
                if (now - stepped >= interval) old.Add(cgroup);
            foreach (var cgroup in old) at.Remove(cgroup);
        }
        at[step.Cgroup] = now;
        bool stopped = step.Result != ReclaimResult.Ok || step.Psi >= step.StopPsiSomeAvg10;
        _events.Publish(new ReclaimStepped(_time.GetUtcNow(), step, stopped));
        if (StateOf(step.Domain)?.Reclaim is not { } e) return;
        e.Pending = false;
        e.Steps++;
        e.NextAt = now + interval;
        if (stopped) e.Stopped[step.Cgroup] = now + Ticks(ReclaimSettings.RetryAfter);
    }

    /// <summary>The earliest next step of a domain at low (long.MaxValue: none).</summary>
    private long NextReclaimDeadline()
    {
        if (_options.Reclaim is null) return long.MaxValue;
        long next = long.MaxValue;
        long now = _time.GetTimestamp();
        foreach (var st in _domainStates)
        {
            if (st.Reclaim is { Pending: false } e && e.NextAt > now && st.Warning?.Raw == WarningLevel.Low) next = Math.Min(next, e.NextAt);
        }
        return next;
    }
}
