using System.Diagnostics;
using System.Globalization;
using OomWarden.Configuration;
using OomWarden.Core.Decisions;
using OomWarden.Core.Model;
using OomWarden.Core.Policy;

// Selection time over 10,000 processes in 500 cgroups (systemd-like tree, 3 levels below the root),
// with the desktop preset plus three file rules. The view is in memory: this measures the selector,
// not /proc reads; the "processes read" column is what a live view would have to read from /proc.
//   dotnet run -c Release --project bench/selector [-- cgroups processes iterations]

int cgroups = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 500;
int processes = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 10_000;
int iterations = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 2_000;

var config = ConfigLoader.LoadText("""
    preset = "desktop"
    [[rule]]
    name = "batch"
    cgroup = "/batch.slice/*"
    priority = -10
    [[rule]]
    name = "java"
    cmdline = "java .*-Xmx\\d+g"
    priority = -20
    [[rule]]
    name = "db"
    unit = "db-*.service"
    priority = 50
    """, "bench.toml");
if (!config.Success) throw new InvalidOperationException(string.Join("\n", config.Errors));
var policy = config.Config.Policy;

var view = BenchTree.Build(cgroups, processes, seed: 42);
var options = new SelectorOptions { ProtectedPids = new HashSet<int> { 999_999 } };
var hierarchical = new HierarchicalSelector(policy, options);
var badness = new BadnessSelector(policy, options);

Console.WriteLine($"selector benchmark: {view.CgroupCount} cgroups, {view.ProcessCount} processes, {policy.Rules.Count} rules (desktop preset + 3), {iterations} iterations");
Console.WriteLine($"runtime: .NET {Environment.Version}, {Environment.ProcessorCount} CPUs");
Report("hierarchical", hierarchical, view, iterations);
Report("badness (flat)", badness, view, Math.Max(50, iterations / 10));

static void Report(string name, IVictimSelector selector, BenchView view, int iterations)
{
    for (int i = 0; i < 50; i++) selector.Select(view);
    view.ResetCounters();
    var decision = selector.Select(view);
    int cgroupsRead = view.CgroupsRead, processesRead = view.ProcessesRead;

    var samples = new double[iterations];
    long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
    for (int i = 0; i < iterations; i++)
    {
        long start = Stopwatch.GetTimestamp();
        selector.Select(view);
        samples[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
    }
    long allocated = (GC.GetAllocatedBytesForCurrentThread() - allocatedBefore) / iterations;
    Array.Sort(samples);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{name,-16} median {samples[iterations / 2],8:0.000} ms  p99 {samples[(int)(iterations * 0.99)],8:0.000} ms  max {samples[^1],8:0.000} ms  " +
        $"alloc {allocated / 1024.0,8:0.0} KiB/selection  processes read {processesRead,5} in {cgroupsRead,3} cgroups  victim {decision.Victim?.Comm} ({decision.Victim?.Pid})"));
}

/// <summary>An in-memory domain that counts what the selector asks for.</summary>
sealed class BenchView(CgroupNode root, Dictionary<string, IReadOnlyList<ProcessSample>> processes, int cgroupCount, int processCount) : IDomainView
{
    public Domain Domain => Domain.System;
    public CgroupNode Root { get; } = root;
    public long DomainTotalBytes => 64L << 30;
    public int CgroupCount { get; } = cgroupCount;
    public int ProcessCount { get; } = processCount;
    public int CgroupsRead { get; private set; }
    public int ProcessesRead { get; private set; }

    public void ResetCounters() => (CgroupsRead, ProcessesRead) = (0, 0);

    public IReadOnlyList<ProcessSample> ProcessesIn(CgroupNode cgroup)
    {
        var list = processes.TryGetValue(cgroup.Path, out var l) ? l : [];
        CgroupsRead++;
        ProcessesRead += list.Count;
        return list;
    }
}

static class BenchTree
{
    /// <summary>/{system,user,batch}.slice → ~N/10 services or scopes each → leaves; processes spread over the leaves.</summary>
    public static BenchView Build(int cgroups, int processCount, int seed)
    {
        var random = new Random(seed);
        var paths = new List<string>();
        string[] top = ["/system.slice", "/user.slice", "/batch.slice"];
        paths.AddRange(top);
        int mid = 0;
        while (paths.Count < cgroups)
        {
            string parent = top[mid % top.Length];
            string name = parent switch
            {
                "/system.slice" => $"{(mid % 7 == 0 ? "db" : "svc")}-{mid}.service",
                "/user.slice" => $"app-x-{mid}.scope",
                _ => $"job-{mid}.scope",
            };
            string path = parent + "/" + name;
            paths.Add(path);
            for (int k = 0; k < 3 && paths.Count < cgroups; k++) paths.Add($"{path}/sub{k}");
            mid++;
        }
        var leaves = paths.Where(p => p.Count(c => c == '/') >= 2).ToList();
        var byPath = new Dictionary<string, List<ProcessSample>>();
        string[] comms = ["java", "python3", "node", "postgres", "bash", "make", "cc1plus", "nginx", "redis-server", "firefox"];
        for (int i = 0; i < processCount; i++)
        {
            string cg = leaves[random.Next(leaves.Count)];
            string comm = comms[random.Next(comms.Length)];
            var p = new ProcessSample
            {
                Pid = 1000 + i,
                Comm = comm,
                ExePath = "/usr/bin/" + comm,
                CommandLine = comm == "java" ? $"java -Xmx{random.Next(1, 16)}g -jar app.jar" : comm + " --serve",
                Uid = 1000,
                UserName = "alice",
                OomScoreAdj = random.Next(0, 5) == 0 ? 200 : 0,
                RssBytes = (long)random.Next(1, 4096) << 20,
                PageTablesBytes = 1 << 20,
                CgroupPath = cg,
            };
            if (!byPath.TryGetValue(cg, out var list)) byPath[cg] = list = [];
            list.Add(p);
        }

        var usage = new Dictionary<string, long>();
        foreach (var (path, list) in byPath)
            for (string p = path; ; p = p.LastIndexOf('/') <= 0 ? "/" : p[..p.LastIndexOf('/')])
            {
                usage[p] = usage.GetValueOrDefault(p) + list.Sum(x => x.FootprintBytes);
                if (p == "/") break;
            }

        CgroupNode Node(string path)
        {
            string prefix = path == "/" ? "/" : path + "/";
            var children = paths.Where(p => p.StartsWith(prefix, StringComparison.Ordinal) && p.IndexOf('/', prefix.Length) < 0)
                .Select(Node).ToList();
            return new CgroupNode(path, new CgroupMemory(usage.GetValueOrDefault(path), CgroupMemory.Unlimited, CgroupMemory.Unlimited, 0, 0), children);
        }

        var frozen = byPath.ToDictionary(kv => kv.Key, kv => (IReadOnlyList<ProcessSample>)kv.Value);
        return new BenchView(Node("/"), frozen, paths.Count, processCount);
    }
}
