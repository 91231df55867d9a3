using OomWarden.Core.Policy;
using OomWarden.Core.Settings;

namespace OomWarden.Core.Decisions;

/// <summary>What a selector needs besides the policy: the hard protections and the action defaults.</summary>
public sealed record SelectorOptions
{
    /// <summary>Never chosen, whatever the policy says: oomwarden's own pid (and any helper it runs).</summary>
    public IReadOnlySet<int> ProtectedPids { get; init; } = new HashSet<int>();

    /// <summary>comm names never chosen, whatever the policy says (for embedders; the config expresses this with protect rules).</summary>
    public IReadOnlyList<string> ProtectedComms { get; init; } = [];

    /// <summary>term_grace when no rule sets one (<see cref="ActionSettings.TermGrace"/>).</summary>
    public TimeSpan DefaultTermGrace { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>The first signal when no rule sets one: SIGTERM.</summary>
    public int DefaultSignal { get; init; } = Signals.SigTerm;

    /// <summary>For the kernel badness formula (BadnessSelector, explain).</summary>
    public long PageSizeBytes { get; init; } = 4096;

    public static SelectorOptions Default { get; } = new();

    public static SelectorOptions From(DaemonSettings settings, int selfPid, long pageSizeBytes = 4096) => new()
    {
        ProtectedPids = new HashSet<int> { selfPid },
        DefaultTermGrace = settings.Action.TermGrace,
        PageSizeBytes = pageSizeBytes,
    };
}
