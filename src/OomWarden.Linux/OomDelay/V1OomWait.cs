using System.Globalization;
using OomWarden.Core.Engine;
using OomWarden.Linux.Cgroups;
using OomWarden.Linux.IO;
using OomWarden.Linux.Loop;
using OomWarden.Linux.Parsing;

namespace OomWarden.Linux.OomDelay;

/// <summary>cgroup v1: <c>oom_kill_disable 1</c> in memory.oom_control and the OOM eventfd (cgroup.event_control
/// with memory.oom_control). At the event the cgroup's faulting tasks sleep in the kernel (under_oom 1) and the
/// domain is at its kill level; the engine kills per policy. When the delay ends with the cgroup still under OOM,
/// <c>oom_kill_disable 0</c> wakes the waiters and the kernel kills. The switch goes back to 1 only when the kernel
/// has had its turn: its oom_kill count rose, or nobody was under OOM for a whole delay after the release. under_oom
/// 0 alone proves nothing then: the woken tasks leave the wait at once and re-enter the kernel's OOM path only after
/// their reclaim retries, and a switch back to 1 in between makes them wait again with nobody killed.</summary>
public sealed class V1OomWait : OomWaitBase, IReadyHandler
{
    private static readonly byte[] Disable = "1"u8.ToArray(), Enable = "0"u8.ToArray();
    private readonly EventLoop _loop;
    private readonly string _directory;
    private readonly long _pollTicks;
    private readonly KernelFile _control;
    private byte[] _buffer = new byte[256];
    private V1EventRegistration? _event;
    private bool _notified;
    private long _killsAtRelease;

    private V1OomWait(EventLoop loop, TimeProvider time, CgroupDomain domain, string directory, TimeSpan delay, KernelFile control, bool oldDisable)
        : base(time, domain, delay, new OomSetting(directory, OomSetting.V1OomControl, oldDisable ? "1" : "0"),
            static d => $"the kernel reports OOM (memory.oom_control under_oom 1) and holds the cgroup's tasks for at most oom_delay {FormatDelay(d)}")
    {
        _loop = loop;
        _directory = directory;
        _control = control;
        _pollTicks = time.TimestampFrequency / 50;  // 20 ms while waiting: under_oom has no wake-up of its own
    }

    public override CgroupVersion Version => CgroupVersion.V1;

    /// <summary>Opens memory.oom_control and reads the old oom_kill_disable; null with the reason when it cannot.</summary>
    public static V1OomWait? TryOpen(EventLoop loop, TimeProvider time, CgroupDomain domain, string directory, TimeSpan delay, out string? error)
    {
        string path = Path.Combine(directory, CgroupFiles.V1OomControl);
        var control = KernelFile.TryOpen(path, out int errno);
        if (control is null)
        {
            error = Interop.Errno.Describe(errno, "open", path);
            return null;
        }
        byte[] buffer = new byte[256];
        int n = control.Read(ref buffer, out _);
        if (n <= 0 || !OomControlParser.TryParse(buffer.AsSpan(0, n), out var oc))
        {
            error = n < 0 ? control.DescribeError(-n) : path + ": cannot parse";
            control.Dispose();
            return null;
        }
        error = null;
        return new V1OomWait(loop, time, domain, directory, delay, control, oc.OomKillDisable);
    }

    public override bool TryApply(out string? error)
    {
        if (!ControlFile.TryWriteFile(Setting.Path, Disable, out error)) return false;
        // Registered after the switch: the kernel signals at once when the cgroup is already under OOM.
        _event = V1EventRegistration.TryRegister(_loop, _directory, CgroupFiles.V1OomControl, null, this, out error);
        if (_event is not null) return true;
        ControlFile.TryWriteFile(Setting.Path, System.Text.Encoding.ASCII.GetBytes(Setting.OldValue), out _);
        return false;
    }

    public void OnReady(uint events)
    {
        _event?.Drain();
        _notified = true;
    }

    public override long NextDeadline => Episode.State switch
    {
        OomEpisode.Phase.Waiting => Math.Min(Episode.Deadline, Time.GetTimestamp() + _pollTicks),
        OomEpisode.Phase.Leaving or OomEpisode.Phase.Released => Time.GetTimestamp() + _pollTicks,
        _ => _notified ? 0 : long.MaxValue,
    };

    public override string? Step(long now)
    {
        bool notified = _notified;
        _notified = false;
        var phase = Episode.State;
        if (phase == OomEpisode.Phase.Armed && !notified) return null;
        if (!TryReadControl(out bool underOom, out long kills)) return null;
        if (phase == OomEpisode.Phase.Released) return StepReleased(now, underOom, kills);
        var step = Episode.Observe(underOom, now);
        MarkWait(step);
        switch (step)
        {
            case EpisodeStep.Started:
                return $"{Domain.Name}: under OOM, the kernel waits for oomwarden (oom_kill_disable 1) for at most {FormatDelay(EpisodeDelay)}";
            case EpisodeStep.Left:
            case EpisodeStep.Returned:
                return null;
            case EpisodeStep.Ended:
                return $"{Domain.Name}: out of OOM after {Ms(Episode.LeftAt - Episode.StartedAt)} ms";
            case EpisodeStep.DelayOver:
                if (!ControlFile.TryWriteFile(Setting.Path, Enable, out string? error))
                    return $"{Domain.Name}: oom_delay {FormatDelay(EpisodeDelay)} is over but oom_kill_disable 0 failed: {error}";
                Episode.Release(now);
                _killsAtRelease = kills;
                return $"{Domain.Name}: still under OOM after oom_delay {FormatDelay(EpisodeDelay)}: oom_kill_disable 0, the kernel's OOM killer decides";
            default:
                if (notified && underOom) Domain.SetOomWait(WaitReason);  // a new OOM event in the same episode: serve it too
                return null;
        }
    }

    /// <summary>The kernel's turn: until it has killed, or nobody was under OOM for a whole delay after the release.</summary>
    private string? StepReleased(long now, bool underOom, long kills)
    {
        bool killed = kills > _killsAtRelease;
        if (!killed && (underOom || now - Episode.ReleasedAt < Episode.DelayTicks)) return null;
        if (!ControlFile.TryWriteFile(Setting.Path, Disable, out string? again))
            return $"{Domain.Name}: out of OOM, but oom_kill_disable 1 failed: {again}";
        Episode.Rearm();
        return killed
            ? $"{Domain.Name}: the kernel's OOM killer killed {kills - _killsAtRelease} task(s) {Ms(now - Episode.ReleasedAt)} ms after oom_kill_disable 0; oom_kill_disable 1 again"
            : $"{Domain.Name}: out of OOM, no kernel kill in {Ms(now - Episode.ReleasedAt)} ms after oom_kill_disable 0; oom_kill_disable 1 again";
    }

    public override bool Restore(out string? error)
    {
        _event?.Dispose();
        _event = null;
        Domain.SetOomWait(null);
        Episode.Rearm();
        return OomSettingsRestorer.TryRestore(Setting, out error);
    }

    private bool TryReadControl(out bool underOom, out long kills)
    {
        underOom = false;
        kills = 0;
        int n = _control.Read(ref _buffer, out _);
        if (n <= 0 || !OomControlParser.TryParse(_buffer.AsSpan(0, n), out var oc)) return false;
        underOom = oc.UnderOom;
        kills = oc.OomKill;  // 0 on kernels before 4.13 (no oom_kill line): then only the delay re-arms
        return true;
    }

    public override void Dispose()
    {
        _event?.Dispose();
        _event = null;
        _control.Dispose();
    }
}
