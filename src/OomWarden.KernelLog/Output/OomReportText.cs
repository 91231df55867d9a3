using OomWarden.Core.Model;
using OomWarden.KernelLog.Model;

namespace OomWarden.KernelLog.Output;

/// <summary>
/// The human block for one event: facts first, then the diagnosis with evidence and remedies. What the report does
/// not show is said so ("not in the report"), never printed as a zero. Every line goes through
/// <see cref="TextEscape.ForTerminal"/>: comm names and log lines may carry control characters and escape sequences.
/// </summary>
public static class OomReportText
{
    public const int TopTasks = 5;
    public const string Absent = "not in the report";

    public static void Write(TextWriter o, OomReport r)
    {
        string when = r.Time is null ? "" : r.Wrapper is LogWrapper.DmesgMonotonic or LogWrapper.DmesgRaw or LogWrapper.Kmsg && r.UptimeSeconds is double up
            ? $" at {up:0.000000} s after boot" : $" at {r.Time}";
        Line(o, $"OOM event {r.Index}{when} ({LogFormatNames.Name(r.Format)}{(r.Host is null ? "" : ", host " + r.Host)})");
        Row(o, "kernel", r.Kernel ?? Absent);
        string scope = OomScopeNames.Describe(r.Scope);
        if (r.Memcg is not null) scope += $" {r.Memcg}";
        if (r.Constraint is not null) scope += $" [{r.Constraint}]";
        if (r.Scope == OomScope.Cpuset || r.Scope == OomScope.Mempolicy)
            scope += $" cpuset={r.Cpuset ?? "?"} mems_allowed={r.MemsAllowed ?? "?"} nodemask={r.Nodemask ?? "?"}";
        Row(o, "scope", scope);
        if (r.TriggerLine is null && r.TriggerComm is null && r.TriggerPid is null) Row(o, "trigger", Absent);
        else
        {
            var parts = new Parts();
            parts.Add(null, r.TriggerComm, "comm");
            parts.Add("pid", r.TriggerPid?.ToString(), "pid");
            parts.Add("gfp_mask=", r.GfpMask, "gfp_mask", sep: " ");
            parts.Add("order=", r.Order?.ToString(), "order", sep: " ");
            Row(o, "trigger", parts.ToString());
        }
        if (r.Killed is { } k)
        {
            var mem = new Parts();
            mem.Add("anon-rss ", k.AnonRssKb is null ? null : Kb(k.AnonRssKb), "anon-rss", sep: ", ");
            mem.Add("file-rss ", k.FileRssKb is null ? null : Kb(k.FileRssKb), "file-rss", sep: ", ");
            mem.Add("shmem-rss ", k.ShmemRssKb is null ? null : Kb(k.ShmemRssKb), "shmem-rss", sep: ", ");
            string sizes = mem.ToString();
            if (k.AnonRssKb is null && k.FileRssKb is null && k.ShmemRssKb is null)
                sizes = r.VictimRow?.RssPages is long pages ? $"rss {Kb(pages * 4)} (task table)" : $"sizes {Absent}";
            string adj = r.KilledOomScoreAdj is long a ? $", oom_score_adj {a}" : "";
            string score = r.KilledScore is long s && (r.SelectedPid is null || r.SelectedPid == k.Pid) ? $", score {s}" : "";
            Row(o, "killed", $"{(k.Comm.Length > 0 ? k.Comm : "(comm " + Absent + ")")} (pid {k.Pid}) {sizes}{adj}{score}");
            if (k.Reason is not null) Row(o, "", k.Reason);
            if (r.SelectedPid is long sel && sel != k.Pid)
                Row(o, "selected", $"{r.SelectedComm ?? "?"} (pid {sel}{(r.KilledScore is long sc ? $", score {sc}" : "")}); the kernel sacrificed its child {k.Pid} instead");
        }
        else if (r.SelectedPid is long sp)
            Row(o, "selected", $"{r.SelectedComm ?? "?"} (pid {sp}){(r.KilledScore is long sc ? $" score {sc}" : "")} (kill line {Absent})");
        else Row(o, "killed", $"kill line {Absent}");
        if (r.GroupKilled.Count > 0)
        {
            var others = r.GroupKilled.Where(g => g.Pid != r.KilledPid).DistinctBy(g => g.Pid).ToList();
            Row(o, "oom.group", $"{others.Count} more task(s) killed with it in {r.OomGroupMemcg ?? "the group"}: "
                + string.Join(", ", others.Take(8).Select(g => $"{g.Comm} ({g.Pid})")) + (others.Count > 8 ? ", ..." : ""));
        }
        if (r.ReapedPid is long rp)
            Row(o, "reaped", $"pid {rp}, now anon-rss {Kb(r.ReapedAnonRssKb)}, file-rss {Kb(r.ReapedFileRssKb)}, shmem-rss {Kb(r.ReapedShmemRssKb)}");
        bool memcg = r.Scope is OomScope.MemcgV1 or OomScope.MemcgV2 or OomScope.Memcg;
        if (r.MemcgLimitKb is not null || r.MemcgUsageKb is not null)
            Row(o, "limit", $"{Kb(r.MemcgLimitKb)}, usage {Kb(r.MemcgUsageKb)}{(r.MemcgFailcnt is long f ? $", failcnt {f}" : "")}");
        else if (memcg) Row(o, "limit", Absent);
        if (r.SwapLimitKb is not null) Row(o, "swap", $"usage {Kb(r.SwapUsageKb)} of {Kb(r.SwapLimitKb)}");
        if (r.MemswLimitKb is not null) Row(o, "mem+swap", $"usage {Kb(r.MemswUsageKb)} of {Kb(r.MemswLimitKb)}");
        if (r.PagesRam is long ram)
            Row(o, "system", $"RAM {Kb(ram * 4)}, swap " + (r.TotalSwapKb, r.FreeSwapKb) switch
            {
                (null, null) => Absent,
                (null, long free) => $"{Kb(free)} free (total {Absent})",
                (long total, null) => $"total {Kb(total)} (free {Absent})",
                (long total, long free) => $"{Kb(free)} free of {Kb(total)}",
            });
        else if (!memcg) Row(o, "system", r.SawMemInfo ? $"RAM {Absent}" : $"Mem-Info {Absent}");
        if (!r.SawTaskTable) Row(o, "tasks", $"task table {Absent}");
        else if (r.TaskTableRows == 0) Row(o, "tasks", "the task table has no rows");
        else
        {
            var top = r.Tasks.OrderByDescending(t => t.RssPages ?? 0).ThenBy(t => t.Pid).Take(TopTasks).ToList();
            Row(o, "top tasks", $"{top.Count} of {r.TaskTableRows} by rss");
            Line(o, "        pid        rss   adj  name");
            foreach (var t in top)
                Line(o, $"    {t.Pid,7} {Kb(t.RssPages * 4),10} {Opt(t.OomScoreAdj),5}  {t.Name}{(t.Pid == r.KilledPid ? "   <- killed" : "")}");
        }
        Line(o, "  diagnosis:");
        if (r.Causes.Count == 0) Line(o, "    (nothing to go on: the text holds too little of the report)");
        foreach (var c in r.Causes)
        {
            Line(o, $"    * [{c.Code}] {c.Finding}");
            foreach (var e in c.Evidence) Line(o, $"        evidence: {e}");
            Line(o, $"        remedy:   {c.Remedy}");
        }
        o.WriteLine();
    }

    /// <summary>"value (x, y not in the report)": the values shown, then the names of those missing.</summary>
    private sealed class Parts
    {
        private readonly List<string> _shown = new();
        private readonly List<string> _missing = new();
        private readonly List<string?> _seps = new();

        public void Add(string? label, string? value, string name, string? sep = null)
        {
            if (value is null) { _missing.Add(name); return; }
            _seps.Add(sep);
            _shown.Add(label is null ? value : label == "pid" ? $"(pid {value})" : label + value);
        }

        public override string ToString()
        {
            var sb = new System.Text.StringBuilder();
            for (int i = 0; i < _shown.Count; i++)
            {
                if (i > 0) sb.Append(_seps[i] ?? " ");
                sb.Append(_shown[i]);
            }
            if (_missing.Count > 0) sb.Append(sb.Length > 0 ? " (" : "(").Append(string.Join(", ", _missing)).Append(' ').Append(Absent).Append(')');
            return sb.ToString();
        }
    }

    private static void Line(TextWriter o, string s) => o.WriteLine(TextEscape.ForTerminal(s));

    private static void Row(TextWriter o, string label, string value) => Line(o, $"  {label,-10} {value}");

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
