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
    private V1EventRegistration? _threshold, _pressure;
    private int _watchedFd = -1;
    private ulong _watchedToken;

    private CgroupWakeup(EventLoop loop, Action onWake)
    {
        _loop = loop;
        _onWake = onWake;
    }

    /// <summary>Usage at which the kernel wakes us (v1 threshold); long.MaxValue when none is armed.</summary>
    public long WakeAtUsageBytes { get; private set; } = long.MaxValue;

    public bool HasPressureLevel => _pressure is not null;

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
        _threshold = V1EventRegistration.TryRegister(_loop, directory, CgroupFiles.V1Usage, threshold.ToString(System.Globalization.CultureInfo.InvariantCulture), this, out _);
        if (_threshold is null) return false;
        WakeAtUsageBytes = threshold;
        // v1 vmpressure: also wake on "medium" reclaim pressure (a cache-heavy working set squeezed against its
        // limit warns seconds ahead). Best effort.
        _pressure = V1EventRegistration.TryRegister(_loop, directory, CgroupFiles.V1PressureLevel, "medium", this, out _);
        return true;
    }

    private bool ArmV2(string directory)
    {
        if (!RawFile.TryOpen(Path.Combine(directory, CgroupFiles.V2Events), RawFile.ORdOnly, out _watchedFd, out _)) return false;
        return _loop.TryRegister(_watchedFd, Epoll.EpollPri | Epoll.EpollEt, this, out _watchedToken, out _);
    }

    /// <summary>Consumes the eventfd counters (level-triggered epoll would spin) and reports the wake-up.</summary>
    public void OnReady(uint events)
    {
        _threshold?.Drain();
        _pressure?.Drain();
        _onWake();
    }

    public void Dispose()
    {
        _threshold?.Dispose();
        _pressure?.Dispose();
        if (_watchedFd >= 0) { _loop.Unregister(_watchedFd, _watchedToken); RawFile.Close(_watchedFd); }
        _threshold = _pressure = null;
        _watchedFd = -1;
        WakeAtUsageBytes = long.MaxValue;
    }
}
