namespace OomWarden.Linux.OomDelay;

/// <summary>What one observation did to an <see cref="OomEpisode"/>.</summary>
public enum EpisodeStep
{
    /// <summary>Nothing changed.</summary>
    None,
    /// <summary>At the window while armed: an episode starts, its deadline a delay away.</summary>
    Started,
    /// <summary>Out of the window while waiting: nobody waits now; the episode ends if it stays so.</summary>
    Left,
    /// <summary>Back at the window within <see cref="OomEpisode.LeaveTicks"/>: the same episode, its deadline kept.</summary>
    Returned,
    /// <summary>Out of the window for <see cref="OomEpisode.LeaveTicks"/>: the episode is over, armed again.</summary>
    Ended,
    /// <summary>At the window at or after the deadline: the kernel's turn (the caller releases, then
    /// <see cref="OomEpisode.Release"/>).</summary>
    DelayOver,
}

/// <summary>The episodes of one cgroup's bounded wait (oom_delay), without I/O: armed → waiting ⇄ leaving → armed,
/// and waiting → released at the deadline. One observation a step: whether the cgroup is at its window (v1: under
/// OOM; v2: at memory.high). An episode ends only when the cgroup has stayed out of the window for
/// <see cref="LeaveTicks"/>: tasks leave the window for a moment whenever some memory comes back (v1: any uncharge
/// wakes the waiters; v2: reclaim on the way back to user space), and one that is short again is back within its
/// reclaim retries. Ending the episode at such a moment would start a whole delay at the next crossing, and the wait
/// would have no bound. Used by <see cref="V1OomWait"/> and <see cref="V2HighWindow"/>; when a released episode
/// is armed again differs between them (<see cref="Rearm"/>).</summary>
public sealed class OomEpisode(long delayTicks, long leaveTicks)
{
    public enum Phase { Armed, Waiting, Leaving, Released }

    /// <summary>How long a cgroup must stay out of its window before an episode is over: any uncharge wakes v1's
    /// waiters, reclaim takes v2's usage under memory.high for a moment, and a task still short is back within its
    /// reclaim retries.</summary>
    public static readonly TimeSpan LeaveAfter = TimeSpan.FromSeconds(1);

    /// <summary>An episode machine for <paramref name="delay"/>, on a clock of <paramref name="frequency"/> ticks a
    /// second (TimeProvider.TimestampFrequency), leaving after <see cref="LeaveAfter"/>.</summary>
    public static OomEpisode For(TimeSpan delay, long frequency) =>
        new(Ticks(delay, frequency), frequency * (long)LeaveAfter.TotalMilliseconds / 1000);

    /// <summary><paramref name="delay"/> on a clock of <paramref name="frequency"/> ticks a second.</summary>
    public static long Ticks(TimeSpan delay, long frequency) => (long)(delay.TotalSeconds * frequency);

    public Phase State { get; private set; }

    /// <summary>The delay of the episode in progress (or of the next one, while armed).</summary>
    public long DelayTicks { get; private set; } = delayTicks;

    /// <summary>The delay the next episode gets (<see cref="ChangeDelay"/>); equal to <see cref="DelayTicks"/> unless a
    /// reload changed it during an episode.</summary>
    public long NextDelayTicks { get; private set; } = delayTicks;

    public long LeaveTicks { get; } = leaveTicks;

    /// <summary>When the episode started (its first crossing), and when it was last left or released.</summary>
    public long StartedAt { get; private set; }

    public long LeftAt { get; private set; }

    public long ReleasedAt { get; private set; }

    public long Deadline => StartedAt + DelayTicks;

    /// <summary>Episodes started, and how many of them were handed to the kernel (status, metrics).</summary>
    public long Episodes { get; private set; }

    public long Releases { get; private set; }

    /// <summary>The state's name in status: armed, waiting, leaving, released.</summary>
    public string StateName => State switch
    {
        Phase.Waiting => "waiting",
        Phase.Leaving => "leaving",
        Phase.Released => "released",
        _ => "armed",
    };

    /// <summary>When the current state began (0 while armed): the episode's start for waiting, the last exit from the
    /// window for leaving, the release for released.</summary>
    public long StateSince => State switch
    {
        Phase.Waiting => StartedAt,
        Phase.Leaving => LeftAt,
        Phase.Released => ReleasedAt,
        _ => 0,
    };

    public EpisodeStep Observe(bool atWindow, long now)
    {
        switch (State)
        {
            case Phase.Armed:
                if (!atWindow) return EpisodeStep.None;
                State = Phase.Waiting;
                StartedAt = now;
                Episodes++;
                return EpisodeStep.Started;
            case Phase.Waiting:
                if (!atWindow)
                {
                    State = Phase.Leaving;
                    LeftAt = now;
                    return EpisodeStep.Left;
                }
                return now >= Deadline ? EpisodeStep.DelayOver : EpisodeStep.None;
            case Phase.Leaving:
                if (atWindow)
                {
                    State = Phase.Waiting;
                    return now >= Deadline ? EpisodeStep.DelayOver : EpisodeStep.Returned;
                }
                if (now - LeftAt < LeaveTicks) return EpisodeStep.None;
                Rearm();
                return EpisodeStep.Ended;
            default:
                return EpisodeStep.None;
        }
    }

    /// <summary>The caller has handed the cgroup to the kernel (after <see cref="EpisodeStep.DelayOver"/>).</summary>
    public void Release(long now)
    {
        State = Phase.Released;
        ReleasedAt = now;
        Releases++;
    }

    /// <summary>Armed again: after a release, when the caller's condition holds; or at a restore. A delay changed
    /// during the episode (<see cref="ChangeDelay"/>) takes effect now.</summary>
    public void Rearm()
    {
        State = Phase.Armed;
        DelayTicks = NextDelayTicks;
    }

    /// <summary>A reload changed the cgroup's delay. While armed it applies at once; an episode in progress (waiting,
    /// leaving, released) keeps its own delay, so its deadline (and a release's quiet time) stays where its first
    /// crossing put it, and the new delay counts from the next episode. A reload can then neither stretch a wait in
    /// progress nor cut one short.</summary>
    public void ChangeDelay(long delayTicks)
    {
        NextDelayTicks = delayTicks;
        if (State == Phase.Armed) DelayTicks = delayTicks;
    }
}
