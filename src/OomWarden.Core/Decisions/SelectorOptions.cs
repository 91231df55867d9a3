using OomWarden.Core.Policy;
using OomWarden.Core.Settings;

namespace OomWarden.Core.Decisions;

/// <summary>What a selector needs besides the policy: the hard protections and the action defaults.</summary>
public sealed record SelectorOptions
{
    /// <summary>Never chosen, whatever the policy says: oomwarden itself, by pid (see <see cref="HardProtection"/>).</summary>
    public IReadOnlySet<int> ProtectedPids { get; init; } = new HashSet<int>();

    /// <summary>term_grace when no rule sets one (<see cref="ActionSettings.TermGrace"/>).</summary>
    public TimeSpan DefaultTermGrace { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>The first signal when no rule sets one: SIGTERM.</summary>
    public int DefaultSignal { get; init; } = Signals.SigTerm;

    /// <summary>For the kernel badness formula (BadnessSelector, explain). Positive.</summary>
    public long PageSizeBytes { get; init; } = 4096;

    public static SelectorOptions Default { get; } = new();

    /// <summary>The options of the daemon, explain and simulate alike.</summary>
    /// <param name="selfPid">The pid that is "oomwarden itself" for this decision; null for none.</param>
    public static SelectorOptions From(DaemonSettings settings, int? selfPid, long pageSizeBytes = 4096) => new()
    {
        ProtectedPids = HardProtection.SelfPids(selfPid),
        DefaultTermGrace = settings.Action.TermGrace,
        PageSizeBytes = pageSizeBytes,
    };
}
