namespace OomWarden.Core.Model;

public enum DomainKind
{
    /// <summary>The whole machine is short of memory.</summary>
    System,

    /// <summary>A memory cgroup is at its limit: only its subtree may be chosen.</summary>
    Cgroup,
}

/// <summary>Where memory is short. Victims are chosen only inside it.</summary>
/// <param name="CgroupPath">The domain's root cgroup, as /proc/PID/cgroup shows paths ("/" for the system).</param>
public readonly record struct Domain(DomainKind Kind, string CgroupPath)
{
    public static Domain System { get; } = new(DomainKind.System, "/");

    public static Domain ForCgroup(string cgroupPath) => new(DomainKind.Cgroup, cgroupPath);

    /// <summary>"system" or the cgroup path, as the event journal writes it.</summary>
    public override string ToString() => Kind == DomainKind.System ? "system" : CgroupPath;
}
