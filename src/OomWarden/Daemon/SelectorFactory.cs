using OomWarden.Core.Decisions;
using OomWarden.Core.Policy;
using OomWarden.Core.Settings;

namespace OomWarden.Daemon;

/// <summary>The configured selector: hierarchical strict priority (default) or the kernel's flat badness.</summary>
public static class SelectorFactory
{
    public static IVictimSelector Create(DaemonSettings settings, CompiledPolicy policy, int selfPid, long pageSizeBytes)
    {
        var options = SelectorOptions.From(settings, selfPid, pageSizeBytes);
        return settings.Selector == SelectorKind.Badness
            ? new BadnessSelector(policy, options)
            : new HierarchicalSelector(policy, options);
    }
}
