namespace OomWarden.Core.Settings;

/// <summary>Which victim selector the daemon runs (config key <c>selector</c>).</summary>
public enum SelectorKind
{
    /// <summary>Strict priority walked down the cgroup tree (oomwarden's own; the default).</summary>
    Hierarchical,

    /// <summary>Flat: the highest kernel badness in the domain, as the kernel and earlyoom choose.</summary>
    Badness,
}
