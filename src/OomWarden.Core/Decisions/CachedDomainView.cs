using OomWarden.Core.Model;

namespace OomWarden.Core.Decisions;

/// <summary>Reads each cgroup's processes at most once: wrap a live view for one decision and its explanation,
/// so the renderer shows the figures the selector used instead of re-reading /proc.</summary>
public sealed class CachedDomainView(IDomainView inner) : IDomainView
{
    private readonly Dictionary<string, IReadOnlyList<ProcessSample>> _cache = new(StringComparer.Ordinal);

    public Domain Domain => inner.Domain;

    public CgroupNode Root => inner.Root;

    public long DomainTotalBytes => inner.DomainTotalBytes;

    public IReadOnlyList<ProcessSample> ProcessesIn(CgroupNode cgroup)
    {
        if (!_cache.TryGetValue(cgroup.Path, out var processes))
        {
            processes = inner.ProcessesIn(cgroup);
            _cache[cgroup.Path] = processes;
        }
        return processes;
    }
}
