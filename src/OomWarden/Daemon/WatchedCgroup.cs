using OomWarden.Core.Detection;
using OomWarden.Core.Model;
using OomWarden.Core.Settings;
using OomWarden.Linux.Interop.Process;
using OomWarden.Linux.Parsing;
using OomWarden.Linux.Cgroups;
using OomWarden.Linux.IO;

namespace OomWarden.Daemon;

/// <summary>One cgroup with a limit that the daemon watches: its reader (files opened once) and, where the
/// kernel offers it, a wake-up: a v1 usage threshold eventfd or a v2 memory.events fd.</summary>
public sealed class WatchedCgroup : IDisposable
{
    private readonly CgroupMemoryReader _reader;
    private int _eventFd = -1;
    private int _watchedFd = -1;
    private int _pressureEventFd = -1;
    private int _pressureFd = -1;

    private WatchedCgroup(string path, string directory, CgroupVersion version, long limitBytes, CgroupMemoryReader reader)
    {
        Path = path;
        Directory = directory;
        Version = version;
        LimitBytes = limitBytes;
        _reader = reader;
    }

    /// <summary>Opens the cgroup's files; null when it vanished meanwhile.</summary>
    public static WatchedCgroup? TryOpen(string path, string directory, CgroupVersion version, long limitBytes)
        => CgroupMemoryReader.TryOpen(directory, version, out var reader)
            ? new WatchedCgroup(path, directory, version, limitBytes, reader)
            : null;

    /// <summary>As /proc/PID/cgroup shows it.</summary>
    public string Path { get; }

    public string Directory { get; }

    public CgroupVersion Version { get; }

    public long LimitBytes { get; set; }

    /// <summary>Usage at which the kernel wakes us (v1 threshold); long.MaxValue when none is armed.</summary>
    public long WakeAtUsageBytes { get; private set; } = long.MaxValue;

    /// <summary>True when the kernel wakes the daemon for this cgroup (v1 threshold eventfd or v2 memory.events).</summary>
    public bool HasKernelWakeup => _eventFd >= 0 || (_watchedFd >= 0 && Version == CgroupVersion.V2);

    /// <summary>True once <see cref="TryArmWakeup"/> ran (armed or not): it is not tried again.</summary>
    public bool WakeupTried { get; private set; }

    /// <summary>True when v1 vmpressure "medium" notifications are armed too.</summary>
    public bool HasPressureWakeup => _pressureEventFd >= 0;

    public CgroupMemory Last { get; private set; }

    /// <summary>The cgroup was removed (a read found ENODEV/ENOENT): an expected race, not a read failure.</summary>
    public bool IsGone => _reader.IsGone;

    /// <summary>Why the last read failed (the reader's text: file and errno); null after a success.</summary>
    public string? LastError => _reader.LastError;

    public LevelReading Reading { get; private set; }

    /// <summary>Reads usage (and memory.stat only when usage is close to the limit) and evaluates.
    /// False when the cgroup is gone. Allocates nothing.</summary>
    public bool Tick(CgroupThresholds t, long prepareMarginBytes)
    {
        if (!_reader.TryReadUsage(out long usage)) return false;
        long usageDistance = CgroupEvaluator.UsageDistanceToTerm(usage, LimitBytes, t);
        if (usageDistance > prepareMarginBytes)
        {
            Last = new CgroupMemory(usage, LimitBytes, CgroupMemory.Unlimited, 0, 0);
            // Below an armed threshold the kernel wakes us: no need to poll for this cgroup.
            bool kernelWakes = WakeAtUsageBytes != long.MaxValue && usage < WakeAtUsageBytes;
            Reading = new LevelReading(PressureLevel.None, kernelWakes ? long.MaxValue / 2 : usageDistance);
            return true;
        }
        long inactiveFile = _reader.TryReadInactiveFile(out long inactive) ? inactive : 0;
        Last = new CgroupMemory(usage, LimitBytes, CgroupMemory.Unlimited, inactiveFile, 0);
        Reading = CgroupEvaluator.Evaluate(Last, t, prepareMarginBytes);
        return true;
    }

    /// <summary>Arms the kernel wake-up and adds it to <paramref name="epollFd"/>; false when not offered.</summary>
    public bool TryArmWakeup(int epollFd, CgroupThresholds t, long prepareMarginBytes, ulong token)
    {
        WakeupTried = true;
        if (Version == CgroupVersion.V1)
        {
            // Wake where polling must start: the prepare band, or half the limit for a cgroup smaller than
            // the band itself. Below it the cgroup costs nothing.
            long threshold = Math.Max(LimitBytes / 2, LimitBytes - t.HeadroomTerm.ToBytes(LimitBytes) - prepareMarginBytes);
            if (threshold <= 0) return false;
            string usageFile = System.IO.Path.Combine(Directory, "memory.usage_in_bytes");
            string control = System.IO.Path.Combine(Directory, "cgroup.event_control");
            if (!EventFd.TryCreate(out _eventFd, out _)) return false;
            if (!RawFile.TryOpen(usageFile, RawFile.ORdOnly, out _watchedFd, out _))
            {
                Disarm();
                return false;
            }
            string registration = $"{_eventFd} {_watchedFd} {threshold}";
            if (!ControlFile.TryWriteFile(control, System.Text.Encoding.ASCII.GetBytes(registration), out _)
                || !Epoll.TryAdd(epollFd, _eventFd, Epoll.EpollIn, token, out _))
            {
                Disarm();
                return false;
            }
            WakeAtUsageBytes = threshold;
            ArmPressureLevel(epollFd, control, token);
            return true;
        }
        // v2: memory.events changes (high, max, oom) wake pollers with POLLPRI.
        string events = System.IO.Path.Combine(Directory, "memory.events");
        if (!RawFile.TryOpen(events, RawFile.ORdOnly, out _watchedFd, out _)) return false;
        if (!Epoll.TryAdd(epollFd, _watchedFd, Epoll.EpollPri | Epoll.EpollEt, token, out _))
        {
            Disarm();
            return false;
        }
        return true;
    }

    /// <summary>v1 vmpressure: also wake on "medium" reclaim pressure (a cache-heavy working set squeezed
    /// against its limit warns seconds ahead). Best effort: the usage threshold is what the daemon relies on.</summary>
    private void ArmPressureLevel(int epollFd, string control, ulong token)
    {
        string levelFile = System.IO.Path.Combine(Directory, "memory.pressure_level");
        if (!EventFd.TryCreate(out _pressureEventFd, out _)) return;
        if (RawFile.TryOpen(levelFile, RawFile.ORdOnly, out _pressureFd, out _)
            && ControlFile.TryWriteFile(control, System.Text.Encoding.ASCII.GetBytes($"{_pressureEventFd} {_pressureFd} medium"), out _)
            && Epoll.TryAdd(epollFd, _pressureEventFd, Epoll.EpollIn, token, out _))
        {
            return;
        }
        if (_pressureFd >= 0) RawFile.Close(_pressureFd);
        EventFd.Close(_pressureEventFd);
        _pressureFd = _pressureEventFd = -1;
    }

    /// <summary>Consumes a wake-up (eventfd counter) so level-triggered epoll does not spin.</summary>
    public void Drain()
    {
        if (_eventFd >= 0) EventFd.Drain(_eventFd);
        if (_pressureEventFd >= 0) EventFd.Drain(_pressureEventFd);
    }

    /// <summary>Closes the wake-up descriptors only: the cgroup is then polled, never left unread.</summary>
    private void Disarm()
    {
        if (_eventFd >= 0) EventFd.Close(_eventFd);
        if (_watchedFd >= 0) RawFile.Close(_watchedFd);
        if (_pressureEventFd >= 0) EventFd.Close(_pressureEventFd);
        if (_pressureFd >= 0) RawFile.Close(_pressureFd);
        _eventFd = _watchedFd = _pressureEventFd = _pressureFd = -1;
        WakeAtUsageBytes = long.MaxValue;
    }

    public void Dispose()
    {
        Disarm();
        _reader.Dispose();
    }
}
