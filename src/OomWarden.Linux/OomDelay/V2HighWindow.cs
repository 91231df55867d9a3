using System.Globalization;
using System.Text;
using OomWarden.Core.Engine;
using OomWarden.Linux.Cgroups;
using OomWarden.Linux.IO;
using OomWarden.Linux.Parsing;

namespace OomWarden.Linux.OomDelay;

/// <summary>cgroup v2 has no switch that makes the kernel wait: oomwarden sets <c>memory.high</c> a margin below
/// <c>memory.max</c>, so a cgroup growing toward its limit is throttled (reclaim and sleeps on return to user space)
/// before the kernel would kill at memory.max. At the window (usage at memory.high, or memory.events <c>high</c>
/// rising) the domain is at its kill level and the engine kills per policy. When the delay ends with the cgroup still
/// at memory.high, the old memory.high is written back: the throttle is lifted and the kernel's own killer acts at
/// memory.max. Once the cgroup is well below the window, memory.high is lowered again.</summary>
/// <remarks>Throttling is not a hard wait: a task allocating faster than reclaim plus the kernel's penalty sleeps
/// (at most 2 s per return to user space) can still reach memory.max inside the window, and the kernel then kills.</remarks>
public sealed class V2HighWindow : OomWaitBase
{
    private const long Slack = 1L << 20;
    private readonly KernelFile _current, _events;
    private readonly long _pollTicks, _highBytes;
    private readonly byte[] _highText;
    private byte[] _buffer = new byte[512];
    private long _lastHighEvents = -1;

    private V2HighWindow(TimeProvider time, CgroupDomain domain, string directory, TimeSpan delay, KernelFile current, KernelFile events,
        string oldHigh, long highBytes)
        : base(time, domain, delay, new OomSetting(directory, OomSetting.V2High, oldHigh), Reason(domain, highBytes))
    {
        _current = current;
        _events = events;
        _highBytes = highBytes;
        _highText = Encoding.ASCII.GetBytes(highBytes.ToString(CultureInfo.InvariantCulture));
        _pollTicks = time.TimestampFrequency / 50;
    }

    private static Func<TimeSpan, string> Reason(CgroupDomain domain, long highBytes)
    {
        string window = $"at its oom_delay window (memory.high {Core.Model.SizeFormat.FormatBytes(highBytes)}, below memory.max "
            + $"{Core.Model.SizeFormat.FormatBytes(domain.LimitBytes)}): the kernel throttles, for at most oom_delay ";
        return d => window + FormatDelay(d);
    }

    public override CgroupVersion Version => CgroupVersion.V2;

    /// <summary>The memory.high the window uses.</summary>
    public long HighBytes => _highBytes;


    /// <param name="marginBytes">How far below memory.max (the domain's limit) memory.high goes.</param>
    public static V2HighWindow? TryOpen(TimeProvider time, CgroupDomain domain, string directory, TimeSpan delay, long marginBytes, out string? error)
    {
        string highPath = Path.Combine(directory, CgroupFiles.V2High);
        string old;
        try
        {
            old = File.ReadAllText(highPath).Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error = $"cannot read {highPath}";
            return null;
        }
        long high = (domain.LimitBytes - marginBytes) & ~4095L;
        if (high <= 0)
        {
            error = $"{directory}: memory.max {domain.LimitBytes} is smaller than the oom_delay margin";
            return null;
        }
        if (long.TryParse(old, NumberStyles.None, CultureInfo.InvariantCulture, out long oldBytes) && oldBytes <= high) high = oldBytes;
        var current = KernelFile.TryOpen(Path.Combine(directory, CgroupFiles.V2Current), out int errno);
        var events = current is null ? null : KernelFile.TryOpen(Path.Combine(directory, CgroupFiles.V2Events), out errno);
        if (current is null || events is null)
        {
            current?.Dispose();
            error = Interop.Errno.Describe(errno, "open", directory);
            return null;
        }
        var w = new V2HighWindow(time, domain, directory, delay, current, events, old, high);
        error = null;
        return w.Setting.IsValid ? w : Fail(w, out error);
    }

    private static V2HighWindow? Fail(V2HighWindow w, out string? error)
    {
        error = $"{w.Setting.Path}: unexpected value \"{w.Setting.OldValue}\"";
        w.Dispose();
        return null;
    }

    public override bool TryApply(out string? error) => ControlFile.TryWriteFile(Setting.Path, _highText, out error);

    public override long NextDeadline => Episode.State switch
    {
        OomEpisode.Phase.Waiting => Math.Min(Episode.Deadline, Time.GetTimestamp() + _pollTicks),
        OomEpisode.Phase.Leaving => Time.GetTimestamp() + _pollTicks,
        OomEpisode.Phase.Released => Time.GetTimestamp() + _pollTicks * 5,
        _ => long.MaxValue,  // memory.events wakes the loop (the cgroup's own wake-up) and every tick steps
    };

    public override string? Step(long now)
    {
        if (!TryRead(out long usage, out long highEvents)) return null;
        bool rose = _lastHighEvents >= 0 && highEvents > _lastHighEvents;
        _lastHighEvents = highEvents;
        if (Episode.State == OomEpisode.Phase.Released)
        {
            // Well below the window (a margin under it) before throttling again.
            if (usage + (Domain.LimitBytes - _highBytes) >= _highBytes) return null;
            if (!TryApply(out string? again)) return $"{Domain.Name}: memory.high {_highBytes} failed: {again}";
            Episode.Rearm();
            return $"{Domain.Name}: well below memory.high; the oom_delay window (memory.high {_highBytes}) is set again";
        }
        bool atHigh = usage + Slack >= _highBytes || rose;
        var step = Episode.Observe(atHigh, now);
        MarkWait(step);
        switch (step)
        {
            case EpisodeStep.Started:
                return $"{Domain.Name}: at memory.high {_highBytes} (usage {usage}): throttled while oomwarden decides, for at most {FormatDelay(EpisodeDelay)}";
            case EpisodeStep.Left:
            case EpisodeStep.Returned:
                return null;
            case EpisodeStep.Ended:
                return $"{Domain.Name}: below memory.high after {Ms(Episode.LeftAt - Episode.StartedAt)} ms";
            case EpisodeStep.DelayOver:
                if (!OomSettingsRestorer.TryRestore(Setting, out string? error))
                    return $"{Domain.Name}: oom_delay {FormatDelay(EpisodeDelay)} is over but memory.high could not be put back: {error}";
                Episode.Release(now);
                return $"{Domain.Name}: still at memory.high after oom_delay {FormatDelay(EpisodeDelay)}: memory.high {Setting.OldValue} again, the kernel decides at memory.max";
            default:
                return null;
        }
    }

    public override bool Restore(out string? error)
    {
        Domain.SetOomWait(null);
        Episode.Rearm();
        return OomSettingsRestorer.TryRestore(Setting, out error);
    }

    private bool TryRead(out long usage, out long highEvents)
    {
        usage = highEvents = 0;
        int n = _current.Read(ref _buffer, out _);
        if (n <= 0 || !CgroupValueParser.TryParse(_buffer.AsSpan(0, n), out usage)) return false;
        n = _events.Read(ref _buffer, out _);
        if (n <= 0 || !CgroupEventsParser.TryParse(_buffer.AsSpan(0, n), out var ev)) return false;
        highEvents = ev.High;
        return true;
    }

    public override void Dispose()
    {
        _current.Dispose();
        _events.Dispose();
    }
}
