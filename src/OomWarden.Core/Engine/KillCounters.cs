using System.Globalization;
using System.Text;
using OomWarden.Core.Model;

namespace OomWarden.Core.Engine;

/// <summary>The daemon's kill counters: kernel kills by kind (from the kernel log), each watched cgroup's own kernel
/// counters as they moved since the daemon last saw them (local, hierarchical, oom.group; a kill while the daemon was
/// stopped is counted at the next start by difference with the saved values), oomwarden's own kills per domain and
/// restart loops. Thread-safe: the loop and the kernel-log thread both count. Nothing here runs per tick.</summary>
public sealed class KillCounters : ICounterSource
{
    public const string KernelKillsName = "oomwarden_kernel_kills_total";
    public const string GroupKillsName = "oomwarden_kernel_oom_group_kills_total";
    public const string UserKillsName = "oomwarden_user_kills_total";
    public const string RestartLoopsName = "oomwarden_restart_loops_total";

    private const string KernelKillsHelp = "Kernel OOM kills: by kind from the kernel log; with domain and scope, from that watched cgroup's own counters (scope local: memory.events.local or v1 memory.oom_control; hierarchical: memory.events)";
    private const string GroupKillsHelp = "Kernel memory.oom.group kills in the watched cgroup's subtree (cgroup v2 memory.events oom_group_kill)";
    private const string UserKillsHelp = "Kills made by oomwarden itself, per domain (mode dry_run: the kills a dry run would have made)";
    private const string RestartLoopsHelp = "Restart loops recognised: the same unit, cgroup or executable killed [action] restart_loop.kills times within its window";

    private readonly long[] _byKind = new long[KernelKillKinds.All.Length];
    private readonly Dictionary<string, Cgroup> _cgroups = new(StringComparer.Ordinal);
    // By domain; a class value, not a (domain, dry run) tuple key: a value-type key compiles a dictionary of its own.
    private readonly Dictionary<string, UserKillCount> _user = new(StringComparer.Ordinal);
    private long _restartLoops;

    private sealed class Cgroup
    {
        public CgroupKillCounts LastSeen;
        public bool Seen;
        public long Local, Hierarchical, GroupKills;
        public bool HasLocal, HasHierarchical, HasGroup;
    }

    private sealed class UserKillCount
    {
        public long Kills, DryRun;
    }

    public void KernelKill(KernelKillKind kind, int kills = 1)
    {
        lock (_cgroups) _byKind[(int)kind] += kills;
    }

    public long KernelKills(KernelKillKind kind)
    {
        lock (_cgroups) return _byKind[(int)kind];
    }

    public long TotalKernelKills()
    {
        lock (_cgroups)
        {
            long sum = 0;
            foreach (long n in _byKind) sum = checked(sum + n);
            return sum;
        }
    }

    /// <summary>The values saved by an earlier instance: the next <see cref="Observe"/> counts from them.</summary>
    public void Baseline(string cgroupPath, CgroupKillCounts saved)
    {
        lock (_cgroups)
        {
            var c = Get(cgroupPath);
            if (c.Seen) return;
            c.LastSeen = saved;
            c.Seen = true;
        }
    }

    public bool Knows(string cgroupPath)
    {
        lock (_cgroups) return _cgroups.TryGetValue(cgroupPath, out var c) && c.Seen;
    }

    /// <summary>A reading of a watched cgroup's counters: what moved since the last one (or since the saved values) is
    /// counted and returned; the first reading of a cgroup never seen before only sets the baseline (all zero).</summary>
    public CgroupKillCounts Observe(string cgroupPath, CgroupKillCounts now)
    {
        lock (_cgroups)
        {
            var c = Get(cgroupPath);
            var delta = c.Seen ? now.Since(c.LastSeen) : now.Since(now);
            c.Seen = true;
            c.LastSeen = now;
            if (delta.Local is long l) { c.Local += l; c.HasLocal = true; }
            if (delta.Hierarchical is long h) { c.Hierarchical += h; c.HasHierarchical = true; }
            if (delta.GroupKills is long g) { c.GroupKills += g; c.HasGroup = true; }
            return delta;
        }
    }

    /// <summary>The last values seen per cgroup, for the state file.</summary>
    public List<KeyValuePair<string, CgroupKillCounts>> LastSeen()
    {
        lock (_cgroups)
        {
            var seen = new List<KeyValuePair<string, CgroupKillCounts>>();
            foreach (var path in SortedCgroupPaths())
            {
                var c = _cgroups[path];
                if (c.Seen && !c.LastSeen.IsEmpty) seen.Add(new(path, c.LastSeen));
            }
            return seen;
        }
    }

    /// <summary>Counted for a cgroup since start (null when the kernel offers that counter there).</summary>
    public (long? Local, long? Hierarchical, long? GroupKills) Counted(string cgroupPath)
    {
        lock (_cgroups)
        {
            if (!_cgroups.TryGetValue(cgroupPath, out var c)) return (null, null, null);
            return (c.HasLocal ? c.Local : null, c.HasHierarchical ? c.Hierarchical : null, c.HasGroup ? c.GroupKills : null);
        }
    }

    public void UserKill(string domain, bool dryRun)
    {
        lock (_cgroups)
        {
            if (!_user.TryGetValue(domain, out var n)) _user[domain] = n = new UserKillCount();
            if (dryRun) n.DryRun++;
            else n.Kills++;
        }
    }

    public long UserKills(bool dryRun)
    {
        lock (_cgroups) return SumUserKills(dryRun);
    }

    public void RestartLoop() => Interlocked.Increment(ref _restartLoops);

    public long RestartLoops => Interlocked.Read(ref _restartLoops);

    public void Collect(List<CounterSample> into)
    {
        lock (_cgroups)
        {
            foreach (var kind in KernelKillKinds.All)
                into.Add(new CounterSample(KernelKillsName, KernelKillsHelp, _byKind[(int)kind], [new("kind", KernelKillKinds.Name(kind))]));
            foreach (var path in SortedCgroupPaths())
            {
                var c = _cgroups[path];
                if (c.HasLocal)
                    into.Add(new CounterSample(KernelKillsName, KernelKillsHelp, c.Local, [new("kind", "memcg"), new("domain", path), new("scope", "local")]));
                if (c.HasHierarchical)
                    into.Add(new CounterSample(KernelKillsName, KernelKillsHelp, c.Hierarchical, [new("kind", "memcg"), new("domain", path), new("scope", "hierarchical")]));
                if (c.HasGroup)
                    into.Add(new CounterSample(GroupKillsName, GroupKillsHelp, c.GroupKills, [new("domain", path)]));
            }
            var domains = new string[_user.Count];
            _user.Keys.CopyTo(domains, 0);
            Array.Sort(domains, StringComparer.Ordinal);
            foreach (var domain in domains)
            {
                var n = _user[domain];
                if (n.Kills > 0) into.Add(new CounterSample(UserKillsName, UserKillsHelp, n.Kills, [new("domain", domain), new("mode", "kill")]));
                if (n.DryRun > 0) into.Add(new CounterSample(UserKillsName, UserKillsHelp, n.DryRun, [new("domain", domain), new("mode", "dry_run")]));
            }
            into.Add(new CounterSample(RestartLoopsName, RestartLoopsHelp, RestartLoops, []));
        }
    }

    /// <summary>For the stop line: "kernel kills: system 0, memcg 1, cpuset 0, mempolicy 0; /a: local 1, hierarchical 1,
    /// oom.group 0; oomwarden's kills 2 (dry run 0); restart loops 0".</summary>
    public string Summary()
    {
        var sb = new StringBuilder("kernel kills: ");
        lock (_cgroups)
        {
            for (int i = 0; i < KernelKillKinds.All.Length; i++)
            {
                if (i > 0) sb.Append(", ");
                sb.Append(KernelKillKinds.Name(KernelKillKinds.All[i])).Append(' ').Append(_byKind[i].ToString(CultureInfo.InvariantCulture));
            }
            foreach (var path in SortedCgroupPaths())
            {
                var c = _cgroups[path];
                if (!c.HasLocal && !c.HasHierarchical && !c.HasGroup) continue;
                sb.Append("; ").Append(TextEscape.ForTerminal(path)).Append(':');
                var parts = new List<string>(3);
                if (c.HasLocal) parts.Add("local " + c.Local.ToString(CultureInfo.InvariantCulture));
                if (c.HasHierarchical) parts.Add("hierarchical " + c.Hierarchical.ToString(CultureInfo.InvariantCulture));
                if (c.HasGroup) parts.Add("oom.group " + c.GroupKills.ToString(CultureInfo.InvariantCulture));
                sb.Append(' ').Append(string.Join(", ", parts));
            }
            sb.Append("; oomwarden's kills ").Append(SumUserKills(dryRun: false).ToString(CultureInfo.InvariantCulture))
                .Append(" (dry run ").Append(SumUserKills(dryRun: true).ToString(CultureInfo.InvariantCulture)).Append(')');
        }
        sb.Append("; restart loops ").Append(RestartLoops.ToString(CultureInfo.InvariantCulture));
        return sb.ToString();
    }

    /// <summary>Under the lock.</summary>
    private long SumUserKills(bool dryRun)
    {
        long sum = 0;
        foreach (var n in _user.Values) sum = checked(sum + (dryRun ? n.DryRun : n.Kills));
        return sum;
    }

    /// <summary>The watched cgroups' paths in ordinal order (under the lock).</summary>
    private string[] SortedCgroupPaths()
    {
        var paths = new string[_cgroups.Count];
        _cgroups.Keys.CopyTo(paths, 0);
        Array.Sort(paths, StringComparer.Ordinal);
        return paths;
    }

    private Cgroup Get(string path)
    {
        if (!_cgroups.TryGetValue(path, out var c)) _cgroups[path] = c = new Cgroup();
        return c;
    }
}
