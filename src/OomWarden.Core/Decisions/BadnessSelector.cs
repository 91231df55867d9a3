using OomWarden.Core.Model;
using OomWarden.Core.Policy;

namespace OomWarden.Core.Decisions;

/// <summary>Flat selection as the kernel and earlyoom do it: the highest <see cref="KernelBadness.Points"/>
/// anywhere in the domain. Same hard protections; the policy is used only for <c>protect</c> (on a process,
/// or on any cgroup above it) and for the victim's <c>signal</c>/<c>term_grace</c>. Reads every process of the domain.</summary>
public sealed class BadnessSelector : IVictimSelector
{
    private readonly CompiledPolicy _policy;
    private readonly SelectorOptions _options;

    /// <summary>How many runners-up the decision lists besides the victim.</summary>
    public const int RankedShown = 20;

    public BadnessSelector(CompiledPolicy policy, SelectorOptions? options = null)
    {
        _policy = policy;
        _options = options ?? SelectorOptions.Default;
    }

    public Decision Select(IDomainView domain)
    {
        var scored = new List<(ProcessSample Process, NodeVerdict Verdict, long Points, string? Protect, string? Skip)>();
        bool ancestorProtected = false;
        string? ancestorRule = null;
        var root = domain.Root;
        if (root.Path != "/")
        {
            int slash = root.Path.LastIndexOf('/');
            for (string p = slash <= 0 ? "/" : root.Path[..slash]; ; p = p.LastIndexOf('/') <= 0 ? "/" : p[..p.LastIndexOf('/')])
            {
                var v = _policy.EvaluateCgroup(p);
                if (v.Protected) { ancestorProtected = true; ancestorRule = v.RuleName; }
                if (p == "/") break;
            }
        }
        Visit(domain, root, ancestorProtected ? "cgroup above protected by rule " + ancestorRule : null, scored);

        scored.Sort((a, b) =>
        {
            int c = (a.Protect is not null || a.Skip is not null).CompareTo(b.Protect is not null || b.Skip is not null);
            if (c != 0) return c;
            c = b.Points.CompareTo(a.Points);
            if (c != 0) return c;
            c = b.Process.FootprintBytes.CompareTo(a.Process.FootprintBytes);
            return c != 0 ? c : a.Process.Pid.CompareTo(b.Process.Pid);
        });

        var ranked = new List<RankedCandidate>();
        for (int i = 0; i < scored.Count && i < RankedShown; i++)
        {
            var s = scored[i];
            string note = s.Protect is not null ? "protected: " + s.Protect : s.Skip is not null ? "skipped: " + s.Skip : $"badness {s.Points}";
            ranked.Add(new RankedCandidate(CandidateKind.Process, s.Process.Comm, s.Process.Pid, s.Verdict.Priority,
                s.Protect is not null, s.Process.FootprintBytes, s.Verdict.RuleName, note));
        }
        var level = new DecisionLevel(root.Path, ranked);

        if (scored.Count == 0 || scored[0].Protect is not null || scored[0].Skip is not null)
        {
            return new Decision
            {
                Domain = domain.Domain,
                Path = [level],
                Summary = scored.Count == 0
                    ? $"nothing to kill in {domain.Domain}: no process in the domain"
                    : scored.TrueForAll(s => s.Protect is not null)
                        ? $"nothing to kill in {domain.Domain}: all {scored.Count} processes are protected"
                        : $"nothing to kill in {domain.Domain}: all {scored.Count} processes are protected, exiting or without memory",
            };
        }

        var victim = scored[0];
        var effect = victim.Verdict.Rule?.Effect;
        return new Decision
        {
            Domain = domain.Domain,
            Victim = victim.Process,
            Action = new VictimAction(KillMode.Process, effect?.Signal ?? _options.DefaultSignal, effect?.TermGrace ?? _options.DefaultTermGrace),
            Path = [level],
            Summary = $"kill {victim.Process.Comm} ({victim.Process.Pid}) in {victim.Process.CgroupPath}: highest badness {victim.Points}, footprint {HumanBytes.Format(victim.Process.FootprintBytes)}",
        };
    }

    /// <summary>Scores every process of the subtree, depth-first with an explicit stack (any depth).</summary>
    private void Visit(IDomainView domain, CgroupNode root, string? rootShield, List<(ProcessSample, NodeVerdict, long, string?, string?)> scored)
    {
        var pending = new Stack<(CgroupNode Cgroup, string? Shield)>();
        pending.Push((root, rootShield));
        while (pending.Count > 0)
        {
            var (cgroup, shield) = pending.Pop();
            if (shield is null)
            {
                var v = _policy.Evaluate(cgroup);
                if (v.Protected) shield = $"cgroup {cgroup.Path} protected by rule {v.RuleName}";
            }
            foreach (var process in domain.ProcessesIn(cgroup))
            {
                var verdict = _policy.Evaluate(process);
                string? reason = HardProtection.Reason(process, _options) ?? verdict.ProtectReason ?? shield;
                string? skip = reason is null ? FreesNothing.Reason(process) : null;
                long points = reason is null && skip is null ? KernelBadness.Points(process, domain.DomainTotalBytes, _options.PageSizeBytes) : long.MinValue;
                scored.Add((process, verdict, points, reason, skip));
            }
            for (int i = cgroup.Children.Count - 1; i >= 0; i--) pending.Push((cgroup.Children[i], shield));
        }
    }
}
