using OomWarden.Core.Decisions;
using OomWarden.Core.Model;

namespace OomWarden.Core.Tests;

/// <summary>A literal domain: a cgroup tree and the processes attached to each cgroup. Counts process reads.</summary>
public sealed class FakeDomainView : IDomainView
{
    private readonly Dictionary<string, List<ProcessSample>> _processes;

    public FakeDomainView(Domain domain, CgroupNode root, Dictionary<string, List<ProcessSample>> processes, long totalBytes)
    {
        Domain = domain;
        Root = root;
        _processes = processes;
        DomainTotalBytes = totalBytes;
    }

    public Domain Domain { get; }
    public CgroupNode Root { get; }
    public long DomainTotalBytes { get; }

    /// <summary>Cgroups whose processes the selector asked for, in order.</summary>
    public List<string> Reads { get; } = [];

    public IReadOnlyList<ProcessSample> ProcessesIn(CgroupNode cgroup)
    {
        Reads.Add(cgroup.Path);
        return _processes.TryGetValue(cgroup.Path, out var list) ? list : [];
    }
}
