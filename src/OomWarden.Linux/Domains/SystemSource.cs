using OomWarden.Core.Decisions;
using OomWarden.Core.Engine;
using OomWarden.Linux.Readers;

namespace OomWarden.Linux.Domains;

/// <summary>The whole machine: /proc/meminfo (opened once); the selector sees every cgroup and process.</summary>
public sealed class SystemSource : IDomainSource
{
    private readonly MeminfoReader _meminfo;
    private readonly SelectionReaders _readers;
    private readonly PressureReader? _pressure;

    /// <param name="pressure">/proc/pressure/memory, read each tick for the [levels] PSI conditions (null: not read).</param>
    public SystemSource(SystemDomain domain, MeminfoReader meminfo, SelectionReaders readers, PressureReader? pressure = null)
    {
        System = domain;
        _meminfo = meminfo;
        _readers = readers;
        _pressure = pressure is { IsSupported: true } ? pressure : null;
        PressureUnsupportedReason = pressure is null ? null : pressure.UnsupportedReason;
        if (pressure is { IsSupported: false }) pressure.Dispose();
    }

    /// <summary>Why the system's PSI is not read although a level uses it; null when read or not needed.</summary>
    public string? PressureUnsupportedReason { get; }

    public SystemDomain System { get; }

    public WatchedDomain Domain => System;

    public string Source => _meminfo.Path;

    public string? LastError => _meminfo.LastError;

    public ReadResult Read()
    {
        if (!_meminfo.TryRead(out var memory))
        {
            System.MarkUnreadable();
            return ReadResult.Failed;
        }
        System.Update(memory);
        if (_pressure is not null && _pressure.TryRead(out var psi)) System.SetPressure(psi);
        else System.ClearPressure();
        return ReadResult.Ok;
    }

    public IDomainView OpenView()
        => LiveDomainView.ForSystem(_readers.Tree, _readers.Processes, System.Memory) ?? (IDomainView)new EmptyDomainView(System.Domain);

    public void Dispose()
    {
        _meminfo.Dispose();
        _pressure?.Dispose();
    }
}
