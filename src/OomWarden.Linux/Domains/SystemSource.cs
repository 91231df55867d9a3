using OomWarden.Core.Decisions;
using OomWarden.Core.Engine;
using OomWarden.Linux.Readers;

namespace OomWarden.Linux.Domains;

/// <summary>The whole machine: /proc/meminfo (opened once); the selector sees every cgroup and process.</summary>
public sealed class SystemSource : IDomainSource
{
    private readonly MeminfoReader _meminfo;
    private readonly SelectionReaders _readers;

    public SystemSource(SystemDomain domain, MeminfoReader meminfo, SelectionReaders readers)
    {
        System = domain;
        _meminfo = meminfo;
        _readers = readers;
    }

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
        return ReadResult.Ok;
    }

    public IDomainView OpenView()
        => LiveDomainView.ForSystem(_readers.Tree, _readers.Processes, System.Memory) ?? (IDomainView)new EmptyDomainView(System.Domain);

    public void Dispose() => _meminfo.Dispose();
}
