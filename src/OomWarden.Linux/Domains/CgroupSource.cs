using OomWarden.Core.Decisions;
using OomWarden.Core.Engine;
using OomWarden.Core.Settings;
using OomWarden.Linux.Cgroups;
using OomWarden.Linux.Loop;
using OomWarden.Linux.Parsing;
using OomWarden.Linux.Readers;

namespace OomWarden.Linux.Domains;

/// <summary>A memory cgroup with a limit: usage each tick, memory.stat only near the limit; the kernel's wake-up
/// (<see cref="CgroupWakeup"/>) when armed; its subtree for the selector.</summary>
public sealed class CgroupSource : IDomainSource
{
    private readonly CgroupMemoryReader _reader;
    private readonly SelectionReaders _readers;
    private CgroupWakeup? _wakeup;
    private PressureReader? _pressure;

    private CgroupSource(CgroupDomain domain, CgroupMemoryReader reader, string directory, CgroupVersion version, SelectionReaders readers)
    {
        Cgroup = domain;
        _reader = reader;
        Directory = directory;
        Version = version;
        _readers = readers;
    }

    /// <summary>Opens the cgroup's files; null when it vanished meanwhile. <paramref name="readPressure"/>: read its
    /// memory.pressure each tick (v2 only; v1 has none) for the [levels] PSI conditions.</summary>
    public static CgroupSource? TryOpen(CgroupDomain domain, string directory, CgroupVersion version, SelectionReaders readers, bool readPressure = false)
    {
        if (!CgroupMemoryReader.TryOpen(directory, version, out var reader)) return null;
        var source = new CgroupSource(domain, reader, directory, version, readers);
        if (readPressure && version == CgroupVersion.V2)
        {
            var psi = PressureReader.ForCgroup(directory);
            if (psi.IsSupported) source._pressure = psi;
            else psi.Dispose();
        }
        return source;
    }

    /// <summary>True when memory.pressure is read for this cgroup.</summary>
    public bool ReadsPressure => _pressure is not null;

    public CgroupDomain Cgroup { get; }

    public WatchedDomain Domain => Cgroup;

    public string Directory { get; }

    public CgroupVersion Version { get; }

    public string Source => Cgroup.Path;

    public string? LastError => _reader.LastError;

    /// <summary>True when the kernel wakes the daemon for this cgroup.</summary>
    public bool HasKernelWakeup => _wakeup is not null;

    public bool HasPressureWakeup => _wakeup?.HasPressureLevel == true;

    public ReadResult Read()
    {
        if (!_reader.TryReadUsage(out long usage))
        {
            Cgroup.MarkUnreadable();
            return _reader.IsGone ? ReadResult.Gone : ReadResult.Failed;
        }
        if (_pressure is not null && _pressure.TryRead(out var psi)) Cgroup.SetPressure(psi);
        else Cgroup.ClearPressure();
        long wakeAt = _wakeup?.WakeAtUsageBytes ?? long.MaxValue;
        if (!Cgroup.UpdateFromUsage(usage, kernelWakesBelowUsage: wakeAt != long.MaxValue && usage < wakeAt)) return ReadResult.Ok;
        Cgroup.Update(usage, _reader.TryReadInactiveFile(out long inactive) ? inactive : 0);
        return ReadResult.Ok;
    }

    /// <summary>Arms the kernel wake-up: v1 where polling must start (the prepare band, or half the limit for a
    /// cgroup smaller than the band; no higher than the loosest warning level, whose distance is polled too), v2 on
    /// memory.events changes. False when not offered (the cgroup is polled).</summary>
    public bool TryArmWakeup(EventLoop loop, CgroupThresholds t, long prepareMarginBytes, Action onWake)
    {
        long threshold = Math.Max(Cgroup.LimitBytes / 2, Cgroup.LimitBytes - t.HeadroomTerm.ToBytes(Cgroup.LimitBytes) - prepareMarginBytes);
        if (Cgroup.WarningHeadroomBytes > 0) threshold = Math.Max(1, Math.Min(threshold, Cgroup.LimitBytes - Cgroup.WarningHeadroomBytes));
        _wakeup = CgroupWakeup.TryArm(loop, Directory, Version, threshold, onWake);
        return _wakeup is not null;
    }

    public IDomainView OpenView()
        => LiveDomainView.ForCgroup(Cgroup.Path, _readers.Tree, _readers.Processes) ?? (IDomainView)new EmptyDomainView(Cgroup.Domain);

    public bool IsDisposed { get; private set; }

    public void Dispose()
    {
        IsDisposed = true;
        _wakeup?.Dispose();
        _pressure?.Dispose();
        _reader.Dispose();
    }
}
