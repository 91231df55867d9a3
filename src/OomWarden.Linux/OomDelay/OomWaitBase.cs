using System.Globalization;
using OomWarden.Core.Engine;
using OomWarden.Linux.Parsing;

namespace OomWarden.Linux.OomDelay;

/// <summary>What the two waits (<see cref="V1OomWait"/>, <see cref="V2HighWindow"/>) share: the cgroup's domain (a
/// reload hands a new object for the same cgroup), the delay, the episode, and the wait mark the domain carries while
/// the engine serves the wait (<see cref="MarkWait"/>). Each version reads its own files and moves its own setting.</summary>
public abstract class OomWaitBase : IOomWait
{
    private readonly EpisodeReason _why;

    protected OomWaitBase(TimeProvider time, CgroupDomain domain, TimeSpan delay, OomSetting setting, Func<TimeSpan, string> reason)
    {
        Time = time;
        Domain = domain;
        Delay = delay;
        Setting = setting;
        Episode = OomEpisode.For(delay, time.TimestampFrequency);
        _why = new EpisodeReason(reason, delay, Episode.DelayTicks);
    }

    protected TimeProvider Time { get; }

    public CgroupDomain Domain { get; private set; }

    public abstract CgroupVersion Version { get; }

    public TimeSpan Delay { get; private set; }

    public OomEpisode Episode { get; }

    public OomSetting Setting { get; }

    public bool IsWaiting => Episode.State == OomEpisode.Phase.Waiting;

    public abstract long NextDeadline { get; }

    public abstract bool TryApply(out string? error);

    public abstract string? Step(long now);

    public abstract bool Restore(out string? error);

    public abstract void Dispose();

    /// <summary>The domain's wait mark for an episode's step: set at its start and when it comes back, cleared when it
    /// leaves the window or its delay is over (the engine serves the wait while the mark is set).</summary>
    protected void MarkWait(EpisodeStep step)
    {
        switch (step)
        {
            case EpisodeStep.Started:
                _why.Refresh(Episode, Delay);
                Domain.SetOomWait(_why.Text);
                break;
            case EpisodeStep.Returned:
                Domain.SetOomWait(_why.Text);  // the same episode: served again
                break;
            case EpisodeStep.Left:
            case EpisodeStep.DelayOver:
                Domain.SetOomWait(null);  // nobody waits now, or the kernel's turn: the engine stops serving the wait
                break;
        }
    }

    /// <summary>The reason line of the episode in progress (v1 sets it again at a new OOM event of the same episode).</summary>
    protected string WaitReason => _why.Text;

    public void OnKillSignalled()
    {
        if (IsWaiting) Domain.SetOomWait(null);
    }

    public void Rebind(CgroupDomain domain)
    {
        domain.TakeOomWaitFrom(Domain);
        Domain = domain;
    }

    public void ChangeDelay(TimeSpan delay)
    {
        Delay = delay;
        Episode.ChangeDelay(OomEpisode.Ticks(delay, Time.TimestampFrequency));
    }

    /// <summary>The delay of the episode in progress (the configured one while armed).</summary>
    protected TimeSpan EpisodeDelay => _why.DelayOf(Episode, Delay);

    protected string Ms(long ticks) => (ticks * 1000 / Time.TimestampFrequency).ToString(CultureInfo.InvariantCulture);

    internal static string FormatDelay(TimeSpan d) => d.TotalSeconds >= 1 && d.Milliseconds == 0
        ? d.TotalSeconds.ToString("0", CultureInfo.InvariantCulture) + "s"
        : d.TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture) + "ms";
}
