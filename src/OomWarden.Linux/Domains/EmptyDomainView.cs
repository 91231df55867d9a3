using OomWarden.Core.Decisions;
using OomWarden.Core.Model;

namespace OomWarden.Linux.Domains;

/// <summary>A domain that vanished between detection and decision: nothing to choose from.</summary>
public sealed class EmptyDomainView(Domain domain) : IDomainView
{
    public Domain Domain { get; } = domain;
    public CgroupNode Root { get; } = new(domain.CgroupPath, default, []);
    public long DomainTotalBytes => 0;
    public IReadOnlyList<ProcessSample> ProcessesIn(CgroupNode cgroup) => [];
}
