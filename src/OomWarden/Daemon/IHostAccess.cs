using OomWarden.Core.Decisions;
using OomWarden.Core.Model;
using OomWarden.Linux.Parsing;

namespace OomWarden.Daemon;

/// <summary>A cgroup with a memory limit, found by a rescan.</summary>
public sealed record LimitedCgroup(string Path, string Directory, CgroupVersion Version, long LimitBytes);

/// <summary>What the daemon needs from the host beyond the monitoring tick. <see cref="LiveHost"/> reads
/// the real /proc and cgroupfs (under the configured roots).</summary>
public interface IHostAccess
{
    CgroupVersion MemoryVersion { get; }

    string PressureMemoryPath { get; }

    /// <summary>The cgroups with a memory limit; when <paramref name="allDirectories"/> is given, every cgroup
    /// directory of the memory hierarchy is added to it too (for change notifications).</summary>
    IReadOnlyList<LimitedCgroup> ListLimitedCgroups(List<string>? allDirectories = null);

    /// <summary>The selector's view of a domain, read now.</summary>
    IDomainView OpenDomain(Domain domain);

    bool TryReadStartTime(int pid, out ulong startTimeTicks);

    /// <summary>Pids attached directly to a memory cgroup; empty when it is gone.</summary>
    IReadOnlyList<int> ListPids(string cgroupPath);

    /// <summary>Kills a cgroup as a unit (kill = "cgroup"), reading the host as the rest of this interface does.</summary>
    OomWarden.Linux.Actions.CgroupKiller CgroupKiller { get; }

    /// <summary>The cgroupfs directory of a memory cgroup path, or null.</summary>
    string? CgroupDirectory(string cgroupPath);
}
