using OomWarden.Linux.Interop.Process;
using OomWarden.Linux.IO;
using OomWarden.Linux.Loop;
using OomWarden.Linux.Parsing;

namespace OomWarden.Linux.Cgroups;

/// <summary>The kernel's wake-up for one cgroup, registered on the loop: a v1 usage threshold eventfd (plus, best
/// effort, a vmpressure "medium" eventfd) or a v2 memory.events fd (POLLPRI on change). Below an armed v1
/// threshold the cgroup need not be polled. Failing to arm is not an error: the cgroup is then polled.</summary>
public sealed class CgroupWakeup : IReadyHandler, IDisposable
{
    private readonly EventLoop _loop;
    private readonly Action _onWake;
    private int _eventFd = -1, _watchedFd = -1, _pressureEventFd = -1, _pressureFd = -1;
    private ulong _eventToken, _watchedToken, _pressureToken;

    private CgroupWakeup(EventLoop loop, Action onWake)
    {
        _loop = loop;
        _onWake = onWake;
    }

    /// <summary>Usage at which the kernel wakes us (v1 threshold); long.MaxValue when none is armed.</summary>
    public long WakeAtUsageBytes { get; private set; } = long.MaxValue;

    public bool HasPressureLevel => _pressureEventFd >= 0;

    /// <param name="thresholdBytes">v1: the usage at which to wake (where polling must start).</param>
    /// <param name="onWake">Called on the loop's thread when the kernel signals.</param>
    /// <returns>Null when the kernel offers no wake-up here.</returns>
    public static CgroupWakeup? TryArm(EventLoop loop, string directory, CgroupVersion version, long thresholdBytes, Action onWake)
    {
        var w = new CgroupWakeup(loop, onWake);
        bool ok = version == CgroupVersion.V1 ? w.ArmV1(directory, thresholdBytes) : w.ArmV2(directory);
        if (ok) return w;
        w.Dispose();
        return null;
    }

    private bool ArmV1(string directory, long threshold)
    {
        if (threshold <= 0) return false;
        string control = Path.Combine(directory, CgroupFiles.EventControl);
        if (!EventFd.TryCreate(out _eventFd, out _)) return false;
        if (!RawFile.TryOpen(Path.Combine(directory, CgroupFiles.V1Usage), RawFile.ORdOnly, out _watchedFd, out _)) return false;
        if (!ControlFile.TryWriteFile(control, System.Text.Encoding.ASCII.GetBytes($"{_eventFd} {_watchedFd} {threshold}"), out _)) return false;
        if (!_loop.TryRegister(_eventFd, Epoll.EpollIn, this, out _eventToken, out _)) return false;
        WakeAtUsageBytes = threshold;
        ArmPressureLevel(directory, control);
        return true;
    }

    /// <summary>v1 vmpressure: also wake on "medium" reclaim pressure (a cache-heavy working set squeezed against its
    /// limit warns seconds ahead). Best effort.</summary>
    private void ArmPressureLevel(string directory, string control)
    {
        if (!EventFd.TryCreate(out _pressureEventFd, out _)) return;
        if (RawFile.TryOpen(Path.Combine(directory, CgroupFiles.V1PressureLevel), RawFile.ORdOnly, out _pressureFd, out _)
            && ControlFile.TryWriteFile(control, System.Text.Encoding.ASCII.GetBytes($"{_pressureEventFd} {_pressureFd} medium"), out _)
            && _loop.TryRegister(_pressureEventFd, Epoll.EpollIn, this, out _pressureToken, out _))
        {
            return;
        }
        if (_pressureFd >= 0) RawFile.Close(_pressureFd);
        EventFd.Close(_pressureEventFd);
        _pressureFd = _pressureEventFd = -1;
    }

    private bool ArmV2(string directory)
    {
        if (!RawFile.TryOpen(Path.Combine(directory, CgroupFiles.V2Events), RawFile.ORdOnly, out _watchedFd, out _)) return false;
        return _loop.TryRegister(_watchedFd, Epoll.EpollPri | Epoll.EpollEt, this, out _watchedToken, out _);
    }

    /// <summary>Consumes the eventfd counters (level-triggered epoll would spin) and reports the wake-up.</summary>
    public void OnReady(uint events)
    {
        if (_eventFd >= 0) EventFd.Drain(_eventFd);
        if (_pressureEventFd >= 0) EventFd.Drain(_pressureEventFd);
        _onWake();
    }

    public void Dispose()
    {
        if (_eventFd >= 0) { _loop.Unregister(_eventFd, _eventToken); EventFd.Close(_eventFd); }
        if (_watchedFd >= 0) { _loop.Unregister(_watchedFd, _watchedToken); RawFile.Close(_watchedFd); }
        if (_pressureEventFd >= 0) { _loop.Unregister(_pressureEventFd, _pressureToken); EventFd.Close(_pressureEventFd); }
        if (_pressureFd >= 0) RawFile.Close(_pressureFd);
        _eventFd = _watchedFd = _pressureEventFd = _pressureFd = -1;
        WakeAtUsageBytes = long.MaxValue;
    }
}
