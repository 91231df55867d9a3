using CsCheck;
using OomWarden.Core.Decisions;
using OomWarden.Core.Model;
using OomWarden.Core.Policy;

namespace OomWarden.Core.Tests.Decisions;

/// <summary>Random trees, random policies: the victim is never protected, always inside the domain, and along the
/// path taken no unprotected candidate that holds something killable has a strictly lower priority.</summary>
public class SelectorPropertyTests
{
    private sealed record CgSpec(int ParentSeed, int Priority, int RuleRoll, long WorkingSetMiB);

    private sealed record ProcSpec(int CgroupSeed, int Adj, long RssMiB, int Comm, int Flags);

    private sealed record Case(CgSpec[] Cgroups, ProcSpec[] Processes, int ProtectedComms, int DomainSeed, bool KillCgroups)
    {
        public override string ToString() =>
            $"cgroups=[{string.Join(", ", Cgroups.Select(c => c.ToString()))}] processes=[{string.Join(", ", Processes.Select(p => p.ToString()))}] protectedComms={ProtectedComms} domain={DomainSeed} killCgroups={KillCgroups}";
    }

    private static readonly string[] Comms = ["a", "b", "c", "d", "e"];

    private static readonly Gen<CgSpec> GenCgroup =
        Gen.Select(Gen.Int[0, 1000], Gen.Int[-3, 3], Gen.Int[0, 9], Gen.Long[0, 1000], (p, prio, roll, ws) => new CgSpec(p, prio, roll, ws));

    private static readonly Gen<ProcSpec> GenProcess =
        Gen.Select(Gen.Int[0, 1000], Gen.OneOf(-1000, -500, 0, 0, 300, 1000), Gen.Long[0, 1000], Gen.Int[0, 4], Gen.Int[0, 30],
            (cg, adj, rss, comm, flags) => new ProcSpec(cg, adj, rss, comm, flags));

    private static readonly Gen<Case> GenCase =
        Gen.Select(GenCgroup.Array[0, 25], GenProcess.Array[0, 50], Gen.Int[0, 31], Gen.Int[0, 1000], Gen.Bool,
            (c, p, pc, d, k) => new Case(c, p, pc, d, k));

    private const int SelfPid = 7;

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, Glob> GlobCache = new();

    private static Glob G(string pattern) => GlobCache.GetOrAdd(pattern, Glob.Compile);

    private static (FakeDomainView View, CompiledPolicy Policy, List<string> Paths) Build(Case c)
    {
        var paths = new List<string> { "/" };
        var rules = new List<PolicyRule>();
        var working = new Dictionary<string, long> { ["/"] = 0 };
        for (int i = 0; i < c.Cgroups.Length; i++)
        {
            var spec = c.Cgroups[i];
            string parent = paths[spec.ParentSeed % paths.Count];
            string path = (parent == "/" ? "" : parent) + "/g" + i;
            paths.Add(path);
            working[path] = spec.WorkingSetMiB << 20;
            // 0: protect, 1..5: a priority, 6: kill = cgroup (when enabled), else no rule
            RuleEffect? effect = spec.RuleRoll switch
            {
                0 => new RuleEffect(Protect: true),
                <= 5 => new RuleEffect(Priority: spec.Priority),
                6 when c.KillCgroups => new RuleEffect(Priority: spec.Priority, Kill: KillMode.Cgroup),
                _ => null,
            };
            if (effect is not null)
                rules.Add(new PolicyRule("g" + i, "prop", new RuleMatch { Cgroup = [G(path)] }, effect));
        }
        for (int i = 0; i < Comms.Length; i++)
        {
            if ((c.ProtectedComms & (1 << i)) != 0)
                rules.Insert(0, new PolicyRule("comm-" + Comms[i], "prop", new RuleMatch { Comm = [G(Comms[i])] }, new RuleEffect(Protect: true)));
            else
                rules.Add(new PolicyRule("prio-" + Comms[i], "prop", new RuleMatch { Comm = [G(Comms[i])] }, new RuleEffect(Priority: i - 2)));
        }

        var processes = new Dictionary<string, List<ProcessSample>>();
        for (int i = 0; i < c.Processes.Length; i++)
        {
            var spec = c.Processes[i];
            string path = paths[spec.CgroupSeed % paths.Count];
            int pid = spec.Flags switch { 0 => 1, 1 => SelfPid, _ => 100 + i };
            if (processes.Values.Any(l => l.Any(p => p.Pid == pid))) pid = 100 + i;
            var process = new ProcessSample
            {
                Pid = pid,
                Comm = Comms[spec.Comm],
                RssBytes = spec.RssMiB << 20,
                OomScoreAdj = spec.Adj,
                IsKernelThread = spec.Flags == 2,
                Exiting = spec.Flags == 3,
                CgroupPath = path,
            };
            if (!processes.TryGetValue(path, out var list)) processes[path] = list = [];
            list.Add(process);
        }

        var root = BuildNode("/", paths, working);
        string domainPath = paths[c.DomainSeed % paths.Count];
        var domainRoot = root.Find(domainPath)!;
        var view = new FakeDomainView(domainPath == "/" ? Domain.System : Domain.ForCgroup(domainPath), domainRoot, processes, 16L << 30);
        return (view, new CompiledPolicy(rules), paths);
    }

    private static CgroupNode BuildNode(string path, List<string> paths, Dictionary<string, long> working)
    {
        string prefix = path == "/" ? "/" : path + "/";
        var children = paths.Where(p => p != path && p.StartsWith(prefix, StringComparison.Ordinal) && p.IndexOf('/', prefix.Length) < 0)
            .Select(p => BuildNode(p, paths, working)).ToList();
        long ws = Math.Max(working[path], children.Sum(ch => ch.Memory.UsageBytes));
        return new CgroupNode(path, new CgroupMemory(ws, CgroupMemory.Unlimited, CgroupMemory.Unlimited, 0, 0), children);
    }

    private static readonly SelectorOptions Options = new() { ProtectedPids = new HashSet<int> { SelfPid } };

    private static bool InDomain(string cgroupPath, string domainPath) =>
        domainPath == "/" || cgroupPath == domainPath || cgroupPath.StartsWith(domainPath + "/", StringComparison.Ordinal);

    /// <summary>Brute force: is <paramref name="p"/> killable (no hard or rule protection, no protected cgroup from "/" down)?</summary>
    private static bool Killable(ProcessSample p, CompiledPolicy policy)
    {
        if (HardProtection.Reason(p, Options) is not null || policy.Evaluate(p).Protected) return false;
        for (string path = p.CgroupPath; ; path = path.LastIndexOf('/') <= 0 ? "/" : path[..path.LastIndexOf('/')])
        {
            if (policy.EvaluateCgroup(path).Protected) return false;
            if (path == "/") return true;
        }
    }

    /// <summary>Killable, and killing it frees something (not exiting, some memory): a possible victim.</summary>
    private static bool Victim(ProcessSample p, CompiledPolicy policy) => Killable(p, policy) && FreesNothing.Reason(p) is null;

    private static IEnumerable<ProcessSample> AllIn(FakeDomainView view) =>
        view.Root.DescendantsAndSelf().SelectMany(n => view.ProcessesIn(n)).ToList();

    [Fact]
    public void HierarchicalVictimIsKillableInsideTheDomainAndLowestAlongThePath()
    {
        GenCase.Sample(c =>
        {
            var (view, policy, _) = Build(c);
            var decision = new HierarchicalSelector(policy, Options).Select(view);
            var everything = AllIn(view);

            if (decision.Victim is not { } victim)
            {
                Assert.DoesNotContain(everything, p => Victim(p, policy));
                Assert.StartsWith("nothing to kill", decision.Summary, StringComparison.Ordinal);
                return;
            }

            Assert.True(Victim(victim, policy), $"victim {victim.Pid} is protected or frees nothing");
            Assert.True(InDomain(victim.CgroupPath, view.Root.Path), $"victim in {victim.CgroupPath}, domain {view.Root.Path}");
            if (decision.VictimCgroup is { } whole)
            {
                Assert.True(InDomain(whole.Path, view.Root.Path));
                Assert.True(InDomain(victim.CgroupPath, whole.Path));
                // killing the cgroup as a unit must not take a protected process with it
                Assert.All(whole.DescendantsAndSelf().SelectMany(n => view.ProcessesIn(n)), p => Assert.True(Killable(p, policy)));
            }

            Assert.NotEmpty(decision.Path);
            Assert.Equal(view.Root.Path, decision.Path[0].CgroupPath);
            foreach (var level in decision.Path)
            {
                var taken = level.Ranked[0];
                Assert.False(taken.Protected);
                foreach (var other in level.Ranked.Skip(1))
                {
                    if (other.Protected || other.Note == "nothing killable inside" || other.Note?.StartsWith("skipped: ", StringComparison.Ordinal) == true) continue;
                    Assert.True(other.Priority >= taken.Priority,
                        $"at {level.CgroupPath}: {other.Name} has priority {other.Priority} < taken {taken.Name} {taken.Priority}");
                    if (other.Priority == taken.Priority)
                        Assert.True(other.FootprintBytes <= taken.FootprintBytes, $"tie at {level.CgroupPath} not broken by footprint");
                }
            }
        }, iter: 1000, threads: 1, print: c => c.ToString());
    }

    [Fact]
    public void BadnessVictimIsKillableInsideTheDomainAndHighestBadness()
    {
        GenCase.Sample(c =>
        {
            var (view, policy, _) = Build(c);
            var decision = new BadnessSelector(policy, Options).Select(view);
            var killable = AllIn(view).Where(p => Victim(p, policy)).ToList();
            if (decision.Victim is not { } victim)
            {
                Assert.Empty(killable);
                return;
            }
            Assert.Contains(victim, killable);
            long best = killable.Max(p => KernelBadness.Points(p, view.DomainTotalBytes, 4096));
            Assert.Equal(best, KernelBadness.Points(victim, view.DomainTotalBytes, 4096));
        }, iter: 1000, threads: 1, print: c => c.ToString());
    }
}
