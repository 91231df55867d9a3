using OomWarden.Core.Decisions;

namespace OomWarden.Core.Policy;

/// <summary>What a matching rule sets. Unset fields fall back to the defaults (see docs/POLICY.md).</summary>
/// <param name="Priority">Higher is kept longer.</param>
/// <param name="Protect">true: never killed (and, for a cgroup, nothing below it); false: explicitly not protected.</param>
/// <param name="Kill">process: signal the chosen process; cgroup: kill the matched cgroup as a unit.</param>
/// <param name="TermGrace">Time between SIGTERM and SIGKILL.</param>
/// <param name="Signal">First signal sent (number).</param>
/// <param name="OomDelay">A cgroup rule: the bounded wait before the kernel's OOM killer for the cgroups it matches
/// (zero: off), over [cgroups] oom_delay.</param>
/// <param name="Reclaim">A cgroup rule: at the warning level <c>low</c> (cgroup v2) oomwarden may write
/// <c>memory.reclaim</c> on the cgroups it matches, in small steps (off unless a rule says true).</param>
public sealed record RuleEffect(
    int? Priority = null,
    bool? Protect = null,
    KillMode? Kill = null,
    TimeSpan? TermGrace = null,
    int? Signal = null,
    TimeSpan? OomDelay = null,
    bool? Reclaim = null)
{
    public bool IsEmpty => Priority is null && Protect is null && Kill is null && TermGrace is null && Signal is null && OomDelay is null
        && Reclaim is null;
}
