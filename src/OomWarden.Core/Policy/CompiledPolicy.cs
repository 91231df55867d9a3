using OomWarden.Core.Decisions;
using OomWarden.Core.Model;

namespace OomWarden.Core.Policy;

/// <summary>The ordered rule table, evaluated first-match like firewall rules: the file's rules, then the preset's.</summary>
/// <remarks>
/// Defaults when no rule matches, or the matching rule leaves a field unset:
/// a process's priority is <c>−oom_score_adj</c> (adj 1000 → −1000, the first to go; adj −1000 is protected by
/// the selector's hard protections), a cgroup's priority is 0; nothing is protected; kill = process.
/// </remarks>
public sealed class CompiledPolicy
{
    public CompiledPolicy(IReadOnlyList<PolicyRule> rules, string preset = "none")
    {
        Rules = rules;
        Preset = preset;
    }

    public static CompiledPolicy Empty { get; } = new([], "none");

    /// <summary>File rules first, then the preset's.</summary>
    public IReadOnlyList<PolicyRule> Rules { get; }

    public string Preset { get; }

    public const int DefaultCgroupPriority = 0;

    /// <summary>Set by the daemon (restart loops): lowers the priority of what it names; never lifts a protection.</summary>
    public IPriorityOverride? Override { get; set; }

    /// <summary>The verdict of the first rule that applies to cgroups and matches <paramref name="cgroup"/>.</summary>
    public NodeVerdict Evaluate(CgroupNode cgroup) => EvaluateCgroup(cgroup.Path);

    /// <summary>As <see cref="Evaluate(CgroupNode)"/>, by path (for ancestors of a domain, which the view does not hold).</summary>
    public NodeVerdict EvaluateCgroup(string cgroupPath)
    {
        var verdict = new NodeVerdict(DefaultCgroupPriority, false, KillMode.Process, null, null);
        foreach (var rule in Rules)
        {
            if (rule.Match.MatchesCgroup(cgroupPath))
            {
                verdict = Verdict(rule, DefaultCgroupPriority);
                break;
            }
        }
        return !verdict.Protected && Override is { } o && o.TryCgroupPriority(cgroupPath, out int p) && p < verdict.Priority
            ? verdict with { Priority = p }
            : verdict;
    }

    /// <summary>The oom_delay of a watched cgroup: that of the first cgroup rule matching <paramref name="cgroupPath"/>
    /// that sets one (a rule without oom_delay does not stop the search: the key is about the cgroup's limit, not
    /// its rank), else <paramref name="fallback"/> ([cgroups] oom_delay). Zero is off.</summary>
    public TimeSpan OomDelayFor(string cgroupPath, TimeSpan fallback)
    {
        foreach (var rule in Rules)
        {
            if (rule.Effect.OomDelay is { } delay && rule.Match.MatchesCgroup(cgroupPath)) return delay;
        }
        return fallback;
    }

    /// <summary>Whether the cgroup at <paramref name="cgroupPath"/> may be reclaimed from at <c>low</c>: the
    /// <c>reclaim</c> of the first cgroup rule matching it that sets the key (as <see cref="OomDelayFor"/>: a rule
    /// without it does not stop the search); false when none does.</summary>
    public bool ReclaimFor(string cgroupPath)
    {
        foreach (var rule in Rules)
        {
            if (rule.Effect.Reclaim is { } reclaim && rule.Match.MatchesCgroup(cgroupPath)) return reclaim;
        }
        return false;
    }

    /// <summary>True when some rule says <c>reclaim = true</c>.</summary>
    public bool AnyReclaim
    {
        get
        {
            foreach (var r in Rules)
                if (r.Effect.Reclaim == true) return true;
            return false;
        }
    }

    /// <summary>The verdict of the first process rule (one with a comm, exe, cmdline or user key) that matches
    /// <paramref name="process"/>. Protection by a cgroup above it is the selector's business (the walk never enters
    /// a protected cgroup; the flat selector checks the ancestors).</summary>
    public NodeVerdict Evaluate(ProcessSample process)
    {
        int fallback = DefaultProcessPriority(process);
        var verdict = new NodeVerdict(fallback, false, KillMode.Process, null, null);
        foreach (var rule in Rules)
        {
            if (rule.Match.Matches(process))
            {
                verdict = Verdict(rule, fallback);
                break;
            }
        }
        return !verdict.Protected && Override is { } o && o.TryProcessPriority(process, out int p) && p < verdict.Priority
            ? verdict with { Priority = p }
            : verdict;
    }

    /// <summary>−oom_score_adj: existing tuning keeps its meaning.</summary>
    public static int DefaultProcessPriority(ProcessSample process) => -process.OomScoreAdj;

    private static NodeVerdict Verdict(PolicyRule rule, int fallbackPriority)
    {
        var effect = rule.Effect;
        bool isProtected = effect.Protect == true;
        return new NodeVerdict(
            effect.Priority ?? fallbackPriority,
            isProtected,
            effect.Kill ?? KillMode.Process,
            rule,
            isProtected ? "rule " + rule.Name : null);
    }
}
