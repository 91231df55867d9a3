using System.Globalization;
using OomWarden.Core.Decisions;
using OomWarden.Core.Model;
using OomWarden.Core.Policy;

namespace OomWarden.Core.Tests;

/// <summary>Literal trees and policies for table-driven tests, one item per line:
/// <code>
/// cg /batch/job1 300          cgroup with a working set of 300 MiB (parents are created as needed; a parent holds at least the sum of its children)
/// p /batch/job1 42 make 120   process pid 42, comm "make", rss 120 MiB; options: adj=N uid=N kthread exiting
/// </code>
/// Rules: <c>cgroup=/batch/* priority=-10</c>, <c>comm=sshd protect</c>, <c>unit=ssh.service kill=cgroup</c>,
/// <c>cgroup=/cache/** reclaim</c> (or <c>reclaim=false</c>).</summary>
public static class TreeDsl
{
    public const long MiB = 1L << 20;

    public static FakeDomainView View(string tree, string? domainPath = null, long totalBytes = 16L << 30)
    {
        var working = new Dictionary<string, long>(StringComparer.Ordinal) { ["/"] = 0 };
        var processes = new Dictionary<string, List<ProcessSample>>(StringComparer.Ordinal);
        foreach (var raw in tree.Split('\n'))
        {
            var parts = raw.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 0) continue;
            switch (parts[0])
            {
                case "cg":
                    AddPath(working, parts[1]);
                    working[parts[1]] = long.Parse(parts[2], CultureInfo.InvariantCulture) * MiB;
                    break;
                case "p":
                    AddPath(working, parts[1]);
                    var p = new ProcessSample
                    {
                        Pid = int.Parse(parts[2], CultureInfo.InvariantCulture),
                        Comm = parts[3],
                        RssBytes = long.Parse(parts[4], CultureInfo.InvariantCulture) * MiB,
                        CgroupPath = parts[1],
                        Uid = 1000,
                        OomScoreAdj = Option(parts, "adj") ?? 0,
                        IsKernelThread = parts.Contains("kthread"),
                        Exiting = parts.Contains("exiting"),
                    };
                    if (Option(parts, "uid") is int uid) p = p with { Uid = uid };
                    if (!processes.TryGetValue(parts[1], out var list)) processes[parts[1]] = list = [];
                    list.Add(p);
                    break;
                default:
                    throw new FormatException("bad tree line: " + raw);
            }
        }
        var root = Build("/", working);
        string path = domainPath ?? "/";
        var domainRoot = root.Find(path) ?? throw new ArgumentException("no cgroup " + path);
        var domain = path == "/" ? Domain.System : Domain.ForCgroup(path);
        long total = path == "/" ? totalBytes : Math.Max(domainRoot.Memory.UsageBytes, 1 * MiB);
        return new FakeDomainView(domain, domainRoot, processes, total);
    }

    private static int? Option(string[] parts, string name)
    {
        foreach (var part in parts)
        {
            if (part.StartsWith(name + "=", StringComparison.Ordinal))
                return int.Parse(part[(name.Length + 1)..], CultureInfo.InvariantCulture);
        }
        return null;
    }

    private static void AddPath(Dictionary<string, long> working, string path)
    {
        for (string p = path; p != "/"; p = p.LastIndexOf('/') == 0 ? "/" : p[..p.LastIndexOf('/')])
            working.TryAdd(p, 0);
    }

    private static CgroupNode Build(string path, Dictionary<string, long> working)
    {
        var children = working.Keys
            .Where(k => k != path && Parent(k) == path)
            .OrderBy(k => k, StringComparer.Ordinal)
            .Select(k => Build(k, working))
            .ToList();
        // A parent holds at least what its children hold, as in a real hierarchy.
        long ws = Math.Max(working[path], children.Sum(c => c.Memory.UsageBytes));
        return new CgroupNode(path, new CgroupMemory(ws, path == "/" ? CgroupMemory.Unlimited : ws + 64 * MiB, CgroupMemory.Unlimited, 0, 0), children);
    }

    private static string Parent(string path) => path == "/" ? "" : path.LastIndexOf('/') == 0 ? "/" : path[..path.LastIndexOf('/')];

    public static CompiledPolicy Rules(params string[] rules)
    {
        var compiled = new List<PolicyRule>();
        int n = 0;
        foreach (var line in rules)
        {
            n++;
            var match = new RuleMatch();
            var effect = new RuleEffect();
            string name = "r" + n;
            foreach (var token in line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                var kv = token.Split('=', 2);
                string value = kv.Length > 1 ? kv[1] : "";
                match = kv[0] switch
                {
                    "cgroup" => match with { Cgroup = [Glob.Compile(value)] },
                    "comm" => match with { Comm = [Glob.Compile(value)] },
                    "exe" => match with { Exe = [Glob.Compile(value)] },
                    "unit" => match with { Unit = [Glob.Compile(value)] },
                    "user" => match with { User = [UserMatch.Parse(value)] },
                    _ => match,
                };
                effect = kv[0] switch
                {
                    "priority" => effect with { Priority = int.Parse(value, CultureInfo.InvariantCulture) },
                    "protect" => effect with { Protect = true },
                    "kill" => effect with { Kill = value == "cgroup" ? KillMode.Cgroup : KillMode.Process },
                    "signal" => effect with { Signal = int.Parse(value, CultureInfo.InvariantCulture) },
                    "reclaim" => effect with { Reclaim = value != "false" },
                    "grace" => effect with { TermGrace = TimeSpan.FromSeconds(int.Parse(value, CultureInfo.InvariantCulture)) },
                    _ => effect,
                };
                if (kv[0] == "name") name = value;
            }
            compiled.Add(new PolicyRule(name, "test:" + n, match, effect));
        }
        return new CompiledPolicy(compiled);
    }
}
