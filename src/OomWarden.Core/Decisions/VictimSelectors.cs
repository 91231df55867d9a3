using OomWarden.Core.Policy;
using OomWarden.Core.Settings;

namespace OomWarden.Core.Decisions;

/// <summary>The selector the config asks for (<c>selector = "hierarchical" | "badness"</c>).</summary>
public static class VictimSelectors
{
    public static IVictimSelector Create(DaemonSettings settings, CompiledPolicy policy, SelectorOptions options) =>
        settings.Selector == SelectorKind.Badness
            ? new BadnessSelector(policy, options)
            : new HierarchicalSelector(policy, options);

    /// <param name="selfPid">The pid that is "oomwarden itself" (<see cref="HardProtection"/>); null for none.</param>
    public static IVictimSelector Create(DaemonSettings settings, CompiledPolicy policy, int? selfPid, long pageSizeBytes = 4096) =>
        Create(settings, policy, SelectorOptions.From(settings, selfPid, pageSizeBytes));
}
