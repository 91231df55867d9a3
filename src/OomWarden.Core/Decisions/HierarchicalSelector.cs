using OomWarden.Core.Model;
using OomWarden.Core.Policy;

namespace OomWarden.Core.Decisions;

/// <summary>Strict priority at the cgroup and the process level, walked down from the domain's root.</summary>
/// <remarks>
/// At each level the candidates are the child cgroups and the processes attached directly to the cgroup.
/// Protected candidates are skipped; the rest are ordered by priority ascending, then footprint descending
/// (a cgroup's working set, a process's rss + swap + page tables), then cgroups before processes, then by
/// name/pid so the order is total. The walk takes the first candidate: a process is the victim; a cgroup is
/// descended into, and when nothing inside it can be killed the walk backtracks to the next candidate.
/// A cgroup whose rule says <c>kill = "cgroup"</c> is not descended into: it becomes
/// <see cref="Decision.VictimCgroup"/> and its largest killable process the first victim (the ladder's first rung).
/// Processes are read only for the cgroups the walk enters (<see cref="IDomainView.ProcessesIn"/>).
/// A protected cgroup (or a protected ancestor of the domain) shields everything below it.
/// </remarks>
public sealed class HierarchicalSelector : IVictimSelector
{
    private readonly CompiledPolicy _policy;
    private readonly SelectorOptions _options;

    public HierarchicalSelector(CompiledPolicy policy, SelectorOptions? options = null)
    {
        _policy = policy;
        _options = options ?? SelectorOptions.Default;
    }

    public Decision Select(IDomainView domain)
    {
        var root = domain.Root;

        // The domain's root and its ancestors: a protection there shields the whole domain.
        foreach (var path in SelfAndAncestors(root.Path))
        {
            var verdict = _policy.EvaluateCgroup(path);
            if (verdict.Protected)
            {
                return new Decision
                {
                    Domain = domain.Domain,
                    Summary = $"nothing to kill in {domain.Domain}: cgroup {path} is protected by rule {verdict.RuleName}",
                };
            }
        }

        var walk = new Walk(this, domain);
        var rootVerdict = _policy.Evaluate(root);
        if (rootVerdict.Kill == KillMode.Cgroup && root.Path != "/")
        {
            var whole = walk.KillWholeCgroup(root, rootVerdict);
            if (whole is not null)
            {
                var self = new RankedCandidate(CandidateKind.Cgroup, root.Path, null, rootVerdict.Priority, false,
                    root.Memory.WorkingSetBytes, rootVerdict.RuleName, "the domain itself is killed as a unit");
                return whole with { Path = [new DecisionLevel(root.Path, [self])] };
            }
        }

        var found = walk.Descend(root);
        if (found is null)
        {
            return new Decision
            {
                Domain = domain.Domain,
                Path = walk.Levels,
                Summary = walk.Candidates == 0
                    ? $"nothing to kill in {domain.Domain}: no process in the domain"
                    : walk.Skipped == 0
                        ? $"nothing to kill in {domain.Domain}: none of the {walk.Candidates} candidates examined can be killed (protected, or nothing killable inside)"
                        : $"nothing to kill in {domain.Domain}: none of the {walk.Candidates} candidates examined can be killed (protected, exiting or without memory, or nothing killable inside)",
            };
        }
        return found;
    }

    private static IEnumerable<string> SelfAndAncestors(string path)
    {
        string p = path;
        while (true)
        {
            yield return p;
            if (p == "/" || p.Length == 0) yield break;
            int slash = p.LastIndexOf('/');
            p = slash <= 0 ? "/" : p[..slash];
        }
    }

    private sealed class Candidate
    {
        public required CandidateKind Kind { get; init; }
        public CgroupNode? Cgroup { get; init; }
        public ProcessSample? Process { get; init; }
        public required NodeVerdict Verdict { get; init; }
        public string? ProtectReason { get; init; }

        /// <summary>Not protected, but killing it frees nothing (<see cref="FreesNothing"/>).</summary>
        public string? SkipReason { get; init; }
        public long FootprintBytes { get; init; }
        public string? Note { get; set; }

        public void MarkProtected()
        {
            if (ProtectReason is not null) Note = "protected: " + ProtectReason;
            else if (SkipReason is not null) Note = "skipped: " + SkipReason;
        }

        public bool Protected => ProtectReason is not null;

        /// <summary>Never taken: protected, or frees nothing.</summary>
        public bool Unavailable => ProtectReason is not null || SkipReason is not null;
        public string Name => Cgroup?.Path ?? Process!.Comm;

        public RankedCandidate ToRanked() => new(
            Kind, Name, Process?.Pid, Verdict.Priority, Protected, FootprintBytes, Verdict.RuleName, Note);
    }

    private static int Compare(Candidate a, Candidate b)
    {
        int c = a.Unavailable.CompareTo(b.Unavailable);
        if (c != 0) return c;
        c = a.Verdict.Priority.CompareTo(b.Verdict.Priority);
        if (c != 0) return c;
        c = b.FootprintBytes.CompareTo(a.FootprintBytes);
        if (c != 0) return c;
        c = a.Kind.CompareTo(b.Kind);
        if (c != 0) return c;
        c = string.CompareOrdinal(a.Name, b.Name);
        if (c != 0) return c;
        return (a.Process?.Pid ?? 0).CompareTo(b.Process?.Pid ?? 0);
    }

    /// <summary>State of one selection: the levels on the current path, and what was seen.</summary>
    private sealed class Walk(HierarchicalSelector owner, IDomainView view)
    {
        public List<DecisionLevel> Levels { get; } = [];
        public int Candidates { get; private set; }

        /// <summary>Processes seen that free nothing (exiting, no memory).</summary>
        public int Skipped { get; private set; }

        /// <summary>Each cgroup on the current path with its verdict, for signal/term_grace inheritance.</summary>
        private readonly List<NodeVerdict> _pathVerdicts = [];

        /// <summary>One cgroup on the current path of the walk: its ranked candidates and the one being tried.</summary>
        private sealed class Frame(CgroupNode cgroup, List<Candidate> candidates, int levelIndex)
        {
            public CgroupNode Cgroup { get; } = cgroup;
            public List<Candidate> Candidates { get; } = candidates;
            public int LevelIndex { get; } = levelIndex;
            public int Next { get; set; }
            public Candidate? Current { get; set; }
        }

        /// <summary>The walk from <paramref name="start"/> down, with backtracking. Iterative (an explicit stack of
        /// frames, one per cgroup on the current path), so a tree of any depth cannot overflow the stack, and the
        /// decision's path is copied once, when the victim is found.</summary>
        public Decision? Descend(CgroupNode start)
        {
            var frames = new List<Frame> { Enter(start) };
            while (frames.Count > 0)
            {
                var frame = frames[^1];
                Candidate? c = null;
                while (frame.Next < frame.Candidates.Count)
                {
                    var next = frame.Candidates[frame.Next++];
                    if (!next.Unavailable)
                    {
                        c = next;
                        break;
                    }
                }
                frame.Current = c;
                if (c is null)
                {
                    // Nothing here: keep the level only when it is the domain's root, so the answer says why.
                    if (frame.LevelIndex == 0) Levels[0] = new DecisionLevel(frame.Cgroup.Path, Ranked(frame.Candidates, null));
                    else Levels.RemoveAt(frame.LevelIndex);
                    frames.RemoveAt(frames.Count - 1);
                    if (frames.Count > 0)
                    {
                        _pathVerdicts.RemoveAt(_pathVerdicts.Count - 1);
                        frames[^1].Current!.Note = "nothing killable inside";
                    }
                    continue;
                }

                Decision? found;
                if (c.Kind == CandidateKind.Process)
                {
                    found = c.Verdict.Kill == KillMode.Cgroup && frame.Cgroup.Path != "/"
                        ? KillWholeCgroup(frame.Cgroup, c.Verdict, c.Process)
                        : Victim(c.Process!, c.Verdict, null, frame.Cgroup.Path);
                }
                else if (c.Verdict.Kill == KillMode.Cgroup)
                {
                    found = KillWholeCgroup(c.Cgroup!, c.Verdict);
                }
                else
                {
                    _pathVerdicts.Add(c.Verdict);
                    frames.Add(Enter(c.Cgroup!));
                    continue;
                }

                if (found is not null)
                {
                    foreach (var f in frames)
                        Levels[f.LevelIndex] = new DecisionLevel(f.Cgroup.Path, Ranked(f.Candidates, f.Current));
                    return found with { Path = Levels.ToArray() };
                }
                c.Note = "nothing killable inside";
            }
            return null;
        }

        /// <summary>Ranks the candidates of <paramref name="cgroup"/> (its child cgroups and its own processes) and
        /// opens its level.</summary>
        private Frame Enter(CgroupNode cgroup)
        {
            var candidates = new List<Candidate>(cgroup.Children.Count + 4);
            foreach (var child in cgroup.Children)
            {
                var verdict = owner._policy.Evaluate(child);
                candidates.Add(new Candidate
                {
                    Kind = CandidateKind.Cgroup,
                    Cgroup = child,
                    Verdict = verdict,
                    ProtectReason = verdict.ProtectReason,
                    FootprintBytes = child.Memory.WorkingSetBytes,
                });
            }
            foreach (var process in view.ProcessesIn(cgroup))
            {
                var verdict = owner._policy.Evaluate(process);
                string? protect = HardProtection.Reason(process, owner._options) ?? verdict.ProtectReason;
                string? skip = protect is null ? FreesNothing.Reason(process) : null;
                if (skip is not null) Skipped++;
                candidates.Add(new Candidate
                {
                    Kind = CandidateKind.Process,
                    Process = process,
                    Verdict = verdict,
                    ProtectReason = protect,
                    SkipReason = skip,
                    FootprintBytes = process.FootprintBytes,
                });
            }
            Candidates += candidates.Count;
            candidates.Sort(Compare);
            foreach (var c in candidates) c.MarkProtected();
            Levels.Add(new DecisionLevel(cgroup.Path, []));
            return new Frame(cgroup, candidates, Levels.Count - 1);
        }

        /// <summary>The taken candidate first, then the others in rank order.</summary>
        private static RankedCandidate[] Ranked(List<Candidate> candidates, Candidate? taken)
        {
            var ranked = new List<RankedCandidate>(candidates.Count);
            if (taken is not null) ranked.Add(taken.ToRanked());
            foreach (var c in candidates)
            {
                if (!ReferenceEquals(c, taken)) ranked.Add(c.ToRanked());
            }
            return [.. ranked];
        }

        /// <summary>kill = "cgroup": the largest killable process of the subtree is the first rung. When the
        /// subtree holds a protected process, killing the cgroup as a unit would kill it too, so the decision
        /// falls back to that process alone.</summary>
        public Decision? KillWholeCgroup(CgroupNode cgroup, NodeVerdict verdict, ProcessSample? preferred = null)
        {
            ProcessSample? largest = null;
            NodeVerdict largestVerdict = default;
            string? shielded = null;
            var pending = new Stack<CgroupNode>();
            pending.Push(cgroup);
            while (pending.Count > 0)
            {
                var node = pending.Pop();
                if (!ReferenceEquals(node, cgroup))
                {
                    var nv = owner._policy.Evaluate(node);
                    if (nv.Protected)
                    {
                        // Its processes are off limits, and killing the unit would take them along.
                        shielded ??= $"cgroup {node.Path}: {nv.ProtectReason}";
                        continue;
                    }
                }
                for (int i = node.Children.Count - 1; i >= 0; i--) pending.Push(node.Children[i]);
                foreach (var process in view.ProcessesIn(node))
                {
                    var pv = owner._policy.Evaluate(process);
                    string? reason = HardProtection.Reason(process, owner._options) ?? pv.ProtectReason;
                    if (reason is not null)
                    {
                        shielded ??= $"{process.Comm} ({process.Pid}): {reason}";
                        continue;
                    }
                    // Exiting or empty: not the first rung (the unit kill takes it along anyway).
                    if (FreesNothing.Reason(process) is not null) continue;
                    if (largest is null || process.FootprintBytes > largest.FootprintBytes
                        || (process.FootprintBytes == largest.FootprintBytes && process.Pid < largest.Pid))
                    {
                        largest = process;
                        largestVerdict = pv;
                    }
                }
            }
            if (largest is null) return null;
            var first = preferred ?? largest;
            var firstVerdict = preferred is null ? largestVerdict : owner._policy.Evaluate(preferred);
            if (shielded is not null)
            {
                var single = Victim(first, firstVerdict, null, cgroup.Path);
                return single with
                {
                    Summary = single.Summary + $"; kill = \"cgroup\" ({verdict.RuleName}) not applied: {cgroup.Path} holds protected {shielded}",
                };
            }
            return Victim(first, firstVerdict, cgroup, cgroup.Path, verdict);
        }

        private Decision Victim(ProcessSample victim, NodeVerdict verdict, CgroupNode? wholeCgroup, string cgroupPath, NodeVerdict? cgroupVerdict = null)
        {
            var options = owner._options;
            int? signal = verdict.Rule?.Effect.Signal ?? cgroupVerdict?.Rule?.Effect.Signal;
            TimeSpan? grace = verdict.Rule?.Effect.TermGrace ?? cgroupVerdict?.Rule?.Effect.TermGrace;
            for (int i = _pathVerdicts.Count - 1; i >= 0 && (signal is null || grace is null); i--)
            {
                signal ??= _pathVerdicts[i].Rule?.Effect.Signal;
                grace ??= _pathVerdicts[i].Rule?.Effect.TermGrace;
            }
            var action = new VictimAction(
                wholeCgroup is null ? KillMode.Process : KillMode.Cgroup,
                signal ?? options.DefaultSignal,
                grace ?? options.DefaultTermGrace);

            string what = wholeCgroup is null
                ? $"kill {victim.Comm} ({victim.Pid}) in {cgroupPath}"
                : $"kill cgroup {wholeCgroup.Path} ({cgroupVerdict?.RuleName ?? verdict.RuleName}), first its largest process {victim.Comm} ({victim.Pid})";
            return new Decision
            {
                Domain = view.Domain,
                Victim = victim,
                VictimCgroup = wholeCgroup,
                Action = action,
                Path = Levels.ToArray(),
                Summary = $"{what}: priority {verdict.Priority} ({verdict.RuleName}), footprint {HumanBytes.Format(victim.FootprintBytes)}",
            };
        }
    }
}
