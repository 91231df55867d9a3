using OomWarden.Core.Model;

namespace OomWarden.Core.Doctor;

/// <summary>What runs on the host: other OOM killers, unkillable large processes, unlimited cgroups, the daemon.</summary>
public static class ProcessChecks
{
    /// <summary>A process this large (share of MemTotal) with oom_score_adj −1000 is worth naming.</summary>
    public const int UnkillablePercent = 5;

    /// <summary>An unlimited cgroup holding at least this share of MemTotal is worth naming.</summary>
    public const int UnlimitedCgroupPercent = 50;

    private static readonly string[] OtherKillers = ["earlyoom", "systemd-oomd", "oomd", "nohang", "low-memory-monitor"];

    /// <summary>The other OOM daemon <paramref name="p"/> is, by its executable (a comm can be anything), or null.
    /// nohang is a Python script: its exe is the interpreter and the script is the first argument.</summary>
    public static string? OtherKiller(DoctorProcess p)
    {
        if (p.ExePath is null) return null;
        string exe = BaseName(p.ExePath.EndsWith(" (deleted)", StringComparison.Ordinal) ? p.ExePath[..^10] : p.ExePath);
        foreach (var name in OtherKillers)
        {
            if (exe == name) return name;
        }
        if (exe.StartsWith("python", StringComparison.Ordinal) && p.CommandLine is { } cmdline)
        {
            var words = cmdline.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            foreach (var w in words.Skip(1))
            {
                if (w.StartsWith('-')) continue;
                return BaseName(w) == "nohang" ? "nohang" : null;
            }
        }
        return null;
    }

    /// <summary>The oomwarden daemon: exe named oomwardend (what <c>oomwarden run</c> execs) or oomwarden (an older
    /// install) and the verb run, not <paramref name="selfPid"/>.</summary>
    public static bool IsDaemon(DoctorProcess p, int selfPid) =>
        p.Pid != selfPid && p.ExePath is { } exe && BaseName(exe.Replace(" (deleted)", "", StringComparison.Ordinal)) is "oomwardend" or "oomwarden"
        && p.CommandLine is { } cmdline && cmdline.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).FirstOrDefault() == "run";

    public static Finding OtherDaemons(HostFacts facts)
    {
        var found = new List<string>();
        foreach (var p in facts.Processes)
        {
            if (OtherKiller(p) is { } name) found.Add($"{name} (pid {p.Pid})");
        }
        int n = facts.ProcessesWithoutExe;
        string unread = n > 0 ? $" ({n} process{(n == 1 ? "'s" : "es'")} exe unreadable: run as root with CAP_SYS_PTRACE to see {(n == 1 ? "it" : "them")})" : "";
        if (found.Count == 0) return Finding.Ok("other_oom_daemons", "no other OOM daemon runs (earlyoom, systemd-oomd, oomd, nohang)" + unread);
        return Finding.Warn("other_oom_daemons", "another OOM killer runs: " + string.Join(", ", found) + unread,
            "two killers race for the same shortage: each may kill, and each one's choice undoes the other's policy",
            "systemctl disable --now earlyoom / nohang; systemctl mask --now systemd-oomd (docs/MIGRATING.md maps their settings)");
    }

    public static Finding Unkillable(HostFacts facts)
    {
        long total = facts.Memory.MemTotalBytes;
        var big = facts.Processes
            .Where(p => p.OomScoreAdj == -1000 && p.Pid != facts.DaemonPid && p.Pid != facts.SelfPid && total > 0 && p.RssBytes * 100 >= total * UnkillablePercent)
            .OrderByDescending(p => p.RssBytes)
            .ToList();
        if (big.Count == 0) return Finding.Ok("unkillable", $"no process of {UnkillablePercent}% of memory or more has oom_score_adj -1000");
        string list = string.Join(", ", big.Take(5).Select(p => $"{p.Comm} (pid {p.Pid}, {SizeFormat.FormatBytes(p.RssBytes)}, {SizeFormat.Percent(p.RssBytes, total)})"));
        return Finding.Warn("unkillable", $"{big.Count} large process(es) with oom_score_adj -1000: {list}",
            "neither the kernel nor oomwarden's default policy will kill them: if one of them is the leak, the kernel kills everything else first",
            "give it a real score (OOMScoreAdjust= in its unit, or echo 0 > /proc/PID/oom_score_adj) and protect it with a rule (protect = true) if it must live");
    }

    public static Finding UnlimitedCgroups(HostFacts facts)
    {
        long total = facts.Memory.MemTotalBytes;
        if (facts.Cgroups == CgroupSetup.NoMemoryController || total <= 0) return Finding.Ok("unlimited_cgroups", "no memory cgroups to look at");
        var limited = facts.MemoryCgroups.Where(c => c.LimitBytes != CgroupMemory.Unlimited).Select(c => c.Path).ToList();
        var heavy = facts.MemoryCgroups
            .Where(c => c.LimitBytes == CgroupMemory.Unlimited && c.UsageBytes * 100 >= total * UnlimitedCgroupPercent)
            .Where(c => !limited.Any(l => IsUnder(c.Path, l)))
            .ToList();
        // Name the deepest: a parent that holds the memory only through a listed child adds nothing.
        var deepest = heavy.Where(c => !heavy.Any(d => d.Path != c.Path && IsUnder(d.Path, c.Path))).ToList();
        if (deepest.Count == 0) return Finding.Ok("unlimited_cgroups", $"no unlimited cgroup holds {UnlimitedCgroupPercent}% of memory or more");
        string list = string.Join(", ", deepest.Select(c => $"{c.Path} ({SizeFormat.FormatBytes(c.UsageBytes)}, {SizeFormat.Percent(c.UsageBytes, total)})"));
        return Finding.Warn("unlimited_cgroups", "unlimited cgroup(s) hold most memory: " + list,
            "without a limit a cgroup is no domain of its own: its growth is seen only when the whole machine is short, and every other workload shares the risk",
            "set a limit: systemctl set-property UNIT MemoryMax=SIZE (v2 memory.max, v1 memory.limit_in_bytes); oomwarden then watches its headroom");
    }

    public static Finding Daemon(HostFacts facts) => facts.DaemonPid is { } pid
        ? Finding.Ok("daemon", $"oomwarden runs (pid {pid})")
        : Finding.Note("daemon", "no oomwarden daemon runs",
            "the protection checks below are about this process, as a daemon started the same way would be",
            "systemctl enable --now oomwarden (deploy/oomwarden.service)");

    internal static bool IsUnder(string path, string ancestor) =>
        ancestor == "/" || path == ancestor || (path.StartsWith(ancestor, StringComparison.Ordinal) && path.Length > ancestor.Length && path[ancestor.Length] == '/');

    private static string BaseName(string path) => path[(path.LastIndexOf('/') + 1)..];
}
