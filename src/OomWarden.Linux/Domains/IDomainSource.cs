using OomWarden.Core.Decisions;
using OomWarden.Core.Engine;

namespace OomWarden.Linux.Domains;

public enum ReadResult
{
    Ok,

    /// <summary>The domain no longer exists (a cgroup removed): an expected race, not an error.</summary>
    Gone,

    /// <summary>The read failed: see <see cref="IDomainSource.LastError"/>.</summary>
    Failed,
}

/// <summary>The I/O half of one domain: how its figures are read into its <see cref="WatchedDomain"/> (the pure
/// half, in Core) and how it is opened for the selector. One implementation per kind.</summary>
public interface IDomainSource : IDisposable
{
    WatchedDomain Domain { get; }

    /// <summary>Reads the figures into <see cref="Domain"/>; allocates nothing.</summary>
    ReadResult Read();

    /// <summary>What is read, for read-failure reports: the file (meminfo) or the cgroup path.</summary>
    string Source { get; }

    /// <summary>Why the last <see cref="Read"/> failed.</summary>
    string? LastError { get; }

    /// <summary>The selector's view of the domain, read now (allocates; under pressure only).</summary>
    IDomainView OpenView();
}

/// <summary>The readers a selector's view needs, shared by every source.</summary>
public sealed record SelectionReaders(Cgroups.CgroupTreeReader Tree, Processes.ProcessReader Processes);
