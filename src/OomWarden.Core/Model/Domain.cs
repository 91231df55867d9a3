using System.Globalization;

namespace OomWarden.Core.Model;

public enum DomainKind
{
    /// <summary>The whole machine is short of memory.</summary>
    System,

    /// <summary>A memory cgroup is at its limit: only its subtree may be chosen.</summary>
    Cgroup,

    /// <summary>Some NUMA nodes are short while the machine as a whole is not (a cpuset-constrained
    /// shortage): only processes that may allocate from those nodes may be chosen.</summary>
    Nodes,
}

/// <summary>Where memory is short. Victims are chosen only inside it.</summary>
/// <param name="CgroupPath">The domain's root cgroup, as /proc/PID/cgroup shows paths ("/" for the system).</param>
public readonly record struct Domain(DomainKind Kind, string CgroupPath)
{
    public static Domain System { get; } = new(DomainKind.System, "/");

    public static Domain ForCgroup(string cgroupPath) => new(DomainKind.Cgroup, cgroupPath);

    public static Domain ForNodes(ulong nodeMask) => new(DomainKind.Nodes, "/") { NodeMask = nodeMask };

    /// <summary>For <see cref="DomainKind.Nodes"/>: the short nodes, bit N = node N.</summary>
    public ulong NodeMask { get; init; }

    /// <summary>"system", the cgroup path, or "nodes:1,3", as the event journal writes it.</summary>
    public override string ToString() => Kind switch
    {
        DomainKind.System => "system",
        DomainKind.Nodes => "nodes:" + NodeList(NodeMask),
        _ => CgroupPath,
    };

    public static string NodeList(ulong mask)
    {
        var parts = new List<string>();
        for (int n = 0; n < 64; n++)
            if ((mask & (1UL << n)) != 0) parts.Add(n.ToString(CultureInfo.InvariantCulture));
        return string.Join(',', parts);
    }
}
