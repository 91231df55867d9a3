using OomWarden.KernelLog.Model;

namespace OomWarden.KernelLog.Output;

/// <summary>The human block for one event: facts first, then the diagnosis with evidence and remedies.</summary>
public static class OomReportText
{
    public const int TopTasks = 5;

    public static void Write(TextWriter o, OomReport r)
    {
        string when = r.Time is null ? "" : r.Wrapper is LogWrapper.DmesgMonotonic or LogWrapper.Kmsg && r.UptimeSeconds is double up
            ? $" at {up:0.000000} s after boot" : $" at {r.Time}";
        o.WriteLine($"OOM event {r.Index}{when} ({LogFormatNames.Name(r.Format)}{(r.Host is null ? "" : ", host " + r.Host)})");
        Row(o, "kernel", r.Kernel ?? "(not shown)");
        string scope = OomScopeNames.Describe(r.Scope);
        if (r.Memcg is not null) scope += $" {r.Memcg}";
        if (r.Constraint is not null) scope += $" [{r.Constraint}]";
        if (r.Scope == OomScope.Cpuset || r.Scope == OomScope.Mempolicy)
            scope += $" cpuset={r.Cpuset ?? "?"} mems_allowed={r.MemsAllowed ?? "?"} nodemask={r.Nodemask ?? "?"}";
        Row(o, "scope", scope);
        if (r.TriggerComm is not null || r.TriggerPid is not null)
            Row(o, "trigger", $"{r.TriggerComm ?? "?"} (pid {Opt(r.TriggerPid)}) gfp_mask={r.GfpMask ?? "?"} order={Opt(r.Order)}");
        if (r.Killed is { } k)
        {
            string mem = $"anon-rss {Kb(k.AnonRssKb)}, file-rss {Kb(k.FileRssKb)}, shmem-rss {Kb(k.ShmemRssKb)}";
            if (k.AnonRssKb is null && k.FileRssKb is null && r.VictimRow?.RssPages is long pages) mem = $"rss {Kb(pages * 4)} (task table)";
            Row(o, "killed", $"{(k.Comm.Length > 0 ? k.Comm : "?")} (pid {k.Pid}) {mem}, oom_score_adj {Opt(r.KilledOomScoreAdj)}{(r.KilledScore is long s && (r.SelectedPid is null || r.SelectedPid == k.Pid) ? $", score {s}" : "")}");
            if (k.Reason is not null) Row(o, "", k.Reason);
            if (r.SelectedPid is long sel && sel != k.Pid)
                Row(o, "selected", $"{r.SelectedComm ?? "?"} (pid {sel}, score {Opt(r.KilledScore)}); the kernel sacrificed its child {k.Pid} instead");
        }
        else if (r.SelectedPid is long sp)
            Row(o, "selected", $"{r.SelectedComm ?? "?"} (pid {sp}) score {Opt(r.KilledScore)} (kill line not in the text)");
        else Row(o, "killed", "(kill line not in the text)");
        if (r.GroupKilled.Count > 0)
        {
            var others = r.GroupKilled.Where(g => g.Pid != r.KilledPid).DistinctBy(g => g.Pid).ToList();
            Row(o, "oom.group", $"{others.Count} more task(s) killed with it in {r.OomGroupMemcg ?? "the group"}: "
                + string.Join(", ", others.Take(8).Select(g => $"{g.Comm} ({g.Pid})")) + (others.Count > 8 ? ", ..." : ""));
        }
        if (r.ReapedPid is long rp)
            Row(o, "reaped", $"pid {rp}, now anon-rss {Kb(r.ReapedAnonRssKb)}, file-rss {Kb(r.ReapedFileRssKb)}, shmem-rss {Kb(r.ReapedShmemRssKb)}");
        if (r.MemcgLimitKb is not null || r.MemcgUsageKb is not null)
            Row(o, "limit", $"{Kb(r.MemcgLimitKb)}, usage {Kb(r.MemcgUsageKb)}{(r.MemcgFailcnt is long f ? $", failcnt {f}" : "")}");
        if (r.SwapLimitKb is not null) Row(o, "swap", $"usage {Kb(r.SwapUsageKb)} of {Kb(r.SwapLimitKb)}");
        if (r.MemswLimitKb is not null) Row(o, "mem+swap", $"usage {Kb(r.MemswUsageKb)} of {Kb(r.MemswLimitKb)}");
        if (r.PagesRam is long ram)
            Row(o, "system", $"RAM {Kb(ram * 4)}, swap {Kb(r.FreeSwapKb)} free of {Kb(r.TotalSwapKb)}");
        if (r.TaskTableRows > 0)
        {
            var top = r.Tasks.OrderByDescending(t => t.RssPages ?? 0).ThenBy(t => t.Pid).Take(TopTasks).ToList();
            Row(o, "top tasks", $"{top.Count} of {r.TaskTableRows} by rss");
            o.WriteLine("        pid        rss   adj  name");
            foreach (var t in top)
                o.WriteLine($"    {t.Pid,7} {Kb(t.RssPages * 4),10} {Opt(t.OomScoreAdj),5}  {t.Name}{(t.Pid == r.KilledPid ? "   <- killed" : "")}");
        }
        o.WriteLine("  diagnosis:");
        if (r.Causes.Count == 0) o.WriteLine("    (nothing to go on: the text holds too little of the report)");
        foreach (var c in r.Causes)
        {
            o.WriteLine($"    * [{c.Code}] {c.Finding}");
            foreach (var e in c.Evidence) o.WriteLine($"        evidence: {e}");
            o.WriteLine($"        remedy:   {c.Remedy}");
        }
        o.WriteLine();
    }

    private static void Row(TextWriter o, string label, string value) => o.WriteLine($"  {label,-10} {value}");

    private static string Opt<T>(T? v) where T : struct => v?.ToString() ?? "?";

    public static string Kb(long? kb)
    {
        if (kb is not long v) return "?";
        if (v >= 1L << 50) return "unlimited";
        if (v >= 10L * 1024 * 1024) return $"{v / (1024.0 * 1024):0.0} GiB";
        if (v >= 10 * 1024) return $"{v / 1024.0:0.0} MiB";
        return $"{v} kB";
    }
}
