using OomWarden.Core.Decisions;

namespace OomWarden.Core.Policy;

/// <summary>What the policy says about one cgroup or process.</summary>
/// <param name="Rule">The rule that matched, null for the default.</param>
/// <param name="ProtectReason">Why it is protected ("PID 1", "oom_score_adj -1000", "rule sshd"...), null when not.</param>
public readonly record struct NodeVerdict(int Priority, bool Protected, KillMode Kill, PolicyRule? Rule, string? ProtectReason)
{
    /// <summary>The rule name, or "default".</summary>
    public string RuleName => Rule?.Name ?? "default";
}
