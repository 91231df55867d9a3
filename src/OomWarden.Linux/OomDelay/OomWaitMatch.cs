using OomWarden.Core.Engine;
using OomWarden.Linux.Parsing;

namespace OomWarden.Linux.OomDelay;

/// <summary>What a rescan's cgroup is to the wait armed at the same path.</summary>
public enum OomWaitMatch
{
    /// <summary>The very domain the wait was armed for (a rescan that kept the cgroup's source).</summary>
    Same,
    /// <summary>Another domain object for the same cgroup (a reload builds them all anew): same directory, same
    /// version, same limit. The wait goes on with it.</summary>
    Rebind,
    /// <summary>The limit changed: the wait is put back and armed again for the new limit (v2's window depends on it).</summary>
    LimitChanged,
    /// <summary>Another directory or cgroup version at the same path (a remounted hierarchy): put back, armed again.</summary>
    Moved,
}

/// <summary>The identity of an armed wait's cgroup across rescans and reloads, as plain data: ordinal string
/// compares and two integers, nothing allocated (a rescan of a thousand cgroups runs it a thousand times).</summary>
public static class OomWaitMatches
{
    /// <param name="armed">The domain the wait holds; <paramref name="armedDirectory"/> and <paramref name="armedVersion"/>
    /// those of its setting.</param>
    /// <param name="next">The rescan's domain at the same path, with its source's directory and version.</param>
    public static OomWaitMatch Of(CgroupDomain armed, string armedDirectory, CgroupVersion armedVersion,
        CgroupDomain next, string nextDirectory, CgroupVersion nextVersion)
    {
        if (ReferenceEquals(armed, next)) return OomWaitMatch.Same;
        if (armedVersion != nextVersion || !string.Equals(armedDirectory, nextDirectory, StringComparison.Ordinal)
            || !string.Equals(armed.Path, next.Path, StringComparison.Ordinal)) return OomWaitMatch.Moved;
        return armed.LimitBytes == next.LimitBytes ? OomWaitMatch.Rebind : OomWaitMatch.LimitChanged;
    }
}
