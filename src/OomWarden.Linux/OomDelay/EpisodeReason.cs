namespace OomWarden.Linux.OomDelay;

/// <summary>The reason line a waiting domain carries ("... for at most oom_delay 3s"), naming the delay of the episode
/// in progress. A reload can change a wait's delay in the middle of an episode (<see cref="OomEpisode.ChangeDelay"/>):
/// the episode keeps its own, and so does its reason line; the text is rebuilt at the next episode's start, and
/// only when the delay changed (no allocation otherwise).</summary>
internal sealed class EpisodeReason
{
    private readonly Func<TimeSpan, string> _format;
    private long _ticks;

    public EpisodeReason(Func<TimeSpan, string> format, TimeSpan delay, long delayTicks)
    {
        _format = format;
        Delay = delay;
        _ticks = delayTicks;
        Text = format(delay);
    }

    /// <summary>The reason line, for <see cref="Delay"/>.</summary>
    public string Text { get; private set; }

    /// <summary>The delay <see cref="Text"/> names.</summary>
    public TimeSpan Delay { get; private set; }

    /// <summary>The delay of <paramref name="episode"/>: the one it started with while in progress, the configured one
    /// (<paramref name="configured"/>) while armed.</summary>
    public TimeSpan DelayOf(OomEpisode episode, TimeSpan configured) => episode.DelayTicks == _ticks ? Delay : configured;

    /// <summary>At an episode's start (its delay is then the configured one).</summary>
    public void Refresh(OomEpisode episode, TimeSpan configured)
    {
        if (episode.DelayTicks == _ticks) return;
        _ticks = episode.DelayTicks;
        Delay = configured;
        Text = _format(configured);
    }
}
