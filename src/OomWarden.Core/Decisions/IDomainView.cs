using OomWarden.Core.Model;

namespace OomWarden.Core.Decisions;

/// <summary>The selector's view of the domain that is short of memory: the cgroup subtree is known
/// up front, processes are read only for the cgroups the selector asks about.</summary>
public interface IDomainView
{
    Domain Domain { get; }

    /// <summary>The domain's root cgroup ("/" for the system domain).</summary>
    CgroupNode Root { get; }

    /// <summary>The kernel's totalpages in bytes: RAM + swap for the system, the limit for a memcg.</summary>
    long DomainTotalBytes { get; }

    /// <summary>Processes attached directly to <paramref name="cgroup"/> (not its descendants),
    /// restricted to those allowed in the domain (e.g. cpuset). Never null; empty when all are gone.</summary>
    IReadOnlyList<ProcessSample> ProcessesIn(CgroupNode cgroup);
}
