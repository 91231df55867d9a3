using System.Text;
using OomWarden.KernelLog.Model;

namespace OomWarden.KernelLog.Output;

/// <summary>One JSON object per event, snake_case, nulls written for values the report does not show. No reflection: written by hand (<see cref="JsonLineWriter"/>).</summary>
public static class OomReportJson
{
    public static string ToJsonLine(OomReport r)
    {
        var w = new JsonLineWriter(4096);
        Write(w, r);
        return Encoding.UTF8.GetString(w.Written);
    }

    /// <summary>Writes reports as UTF-8 JSON lines with one reused buffer: no string per report.</summary>
    public sealed class LineWriter
    {
        private readonly JsonLineWriter _writer = new(16 * 1024);

        /// <summary>The report as one JSON object followed by a newline; valid until the next call.</summary>
        public ReadOnlySpan<byte> Line(OomReport r)
        {
            _writer.Reset();
            Write(_writer, r);
            _writer.NewLine();
            return _writer.Written;
        }
    }

    private static void Write(JsonLineWriter w, OomReport r)
    {
        w.StartObject();
        w.Number(N.index, r.Index);
        w.String(N.format, LogFormatNames.Name(r.Format));
        w.String(N.wrapper, LogFormatNames.Name(r.Wrapper));
        w.String(N.time, r.Time);
        if (r.UptimeSeconds is double up) w.Number(N.uptime_s, Math.Round(up, 6)); else w.Null(N.uptime_s);
        w.String(N.host, r.Host);
        w.String(N.kernel, r.Kernel);
        w.String(N.scope, OomScopeNames.Name(r.Scope));
        w.String(N.trigger_comm, r.TriggerComm);
        w.Number(N.trigger_pid, r.TriggerPid);
        w.String(N.gfp_mask, r.GfpMask);
        w.Number(N.order, r.Order);
        w.Number(N.trigger_oom_score_adj, r.TriggerOomScoreAdj);
        w.Number(N.trigger_oom_adj, r.TriggerOomAdj);
        w.String(N.nodemask, r.Nodemask);
        w.String(N.constraint, r.Constraint);
        w.String(N.memcg, r.Memcg);
        w.String(N.task_memcg, r.TaskMemcg);
        w.String(N.cpuset, r.Cpuset);
        w.String(N.mems_allowed, r.MemsAllowed);
        w.Number(N.selected_pid, r.SelectedPid);
        w.String(N.selected_comm, r.SelectedComm);
        var k = r.Killed;
        w.Number(N.killed_pid, k?.Pid);
        w.String(N.killed_comm, k?.Comm is { Length: > 0 } c ? c : null);
        w.Number(N.killed_total_vm_kb, k?.TotalVmKb);
        w.Number(N.killed_anon_rss_kb, k?.AnonRssKb);
        w.Number(N.killed_file_rss_kb, k?.FileRssKb);
        w.Number(N.killed_shmem_rss_kb, k?.ShmemRssKb);
        w.Number(N.killed_uid, k?.Uid);
        w.Number(N.killed_pgtables_kb, k?.PageTablesKb);
        w.Number(N.killed_oom_score_adj, r.KilledOomScoreAdj);
        w.Number(N.killed_score, r.KilledScore);
        w.String(N.kill_reason, k?.Reason);
        w.String(N.oom_group_memcg, r.OomGroupMemcg);
        if (!r.OomGroupLineText.HasValue && r.GroupKilled.Count == 0) w.Null(N.group_killed);
        else
        {
            w.StartArray(N.group_killed);
            foreach (var g in r.GroupKilled)
            {
                w.StartObject();
                w.Number(N.pid, g.Pid);
                w.String(N.comm, g.Comm.Length > 0 ? g.Comm : null);
                w.Number(N.anon_rss_kb, g.AnonRssKb);
                w.Number(N.file_rss_kb, g.FileRssKb);
                w.Number(N.shmem_rss_kb, g.ShmemRssKb);
                w.EndObject();
            }
            w.EndArray();
        }
        w.Number(N.reaped_pid, r.ReapedPid);
        w.Number(N.reaped_anon_rss_kb, r.ReapedAnonRssKb);
        w.Number(N.reaped_file_rss_kb, r.ReapedFileRssKb);
        w.Number(N.reaped_shmem_rss_kb, r.ReapedShmemRssKb);
        w.Number(N.memcg_usage_kb, r.MemcgUsageKb);
        w.Number(N.memcg_limit_kb, r.MemcgLimitKb);
        w.Number(N.memcg_failcnt, r.MemcgFailcnt);
        w.Number(N.memsw_usage_kb, r.MemswUsageKb);
        w.Number(N.memsw_limit_kb, r.MemswLimitKb);
        w.Number(N.swap_usage_kb, r.SwapUsageKb);
        w.Number(N.swap_limit_kb, r.SwapLimitKb);
        w.Number(N.kmem_usage_kb, r.KmemUsageKb);
        w.String(N.memcg_stats_path, r.MemcgStatsPath);
        if (r.MemcgStats.Count > 0)
        {
            w.String(N.memcg_stats_unit, r.MemcgStatsInKb ? "kB" : "bytes");
            r.MemcgStats.WriteJson(w, N.memcg_stats);
        }
        else
        {
            w.Null(N.memcg_stats_unit);
            w.Null(N.memcg_stats);
        }
        if (r.MemInfoPages.Count > 0) r.MemInfoPages.WriteJson(w, N.mem_info_pages); else w.Null(N.mem_info_pages);
        if (r.Zones.Count == 0) w.Null(N.zones);
        else w.StartArray(N.zones);
        foreach (var z in r.Zones)
        {
            w.StartObject();
            w.Number(N.node, z.Node);
            w.String(N.zone, z.Name);
            w.Number(N.free_kb, z.FreeKb);
            w.Number(N.min_kb, z.MinKb);
            w.Number(N.low_kb, z.LowKb);
            w.Number(N.high_kb, z.HighKb);
            w.Number(N.managed_kb, z.ManagedKb);
            if (z.FreeBlocksByOrder is { } blocks)
            {
                w.StartArray(N.free_blocks_by_order);
                foreach (long b in blocks) w.NumberValue(b);
                w.EndArray();
            }
            else w.Null(N.free_blocks_by_order);
            w.EndObject();
        }
        if (r.Zones.Count > 0) w.EndArray();
        w.Number(N.hugepages_total_kb, r.HugepagesTotalKb);
        w.Number(N.free_swap_kb, r.FreeSwapKb);
        w.Number(N.total_swap_kb, r.TotalSwapKb);
        w.Number(N.ram_pages, r.PagesRam);
        w.Number(N.reserved_pages, r.PagesReserved);
        w.Number(N.pagecache_pages, r.PagecachePages);
        if (r.UnreclaimableSlabDumpShown is bool shown) w.Bool(N.unreclaimable_slab_dump, shown); else w.Null(N.unreclaimable_slab_dump);
        if (!r.SawUnreclaimableSlabDump) w.Null(N.slab_top);
        else
        {
            w.StartArray(N.slab_top);
            foreach (var cache in r.SlabTop)
            {
                w.StartObject();
                w.String(N.name, cache.Name);
                w.Number(N.used_kb, cache.UsedKb);
                w.Number(N.total_kb, cache.TotalKb);
                w.EndObject();
            }
            w.EndArray();
        }
        if (!r.SawTaskTable)
        {
            w.Null(N.task_table_rows);
            w.Null(N.tasks);
        }
        else
        {
            w.Number(N.task_table_rows, r.TaskTableRows);
            w.StartArray(N.tasks);
            foreach (var t in r.Tasks)
            {
                w.StartObject();
                w.Number(N.pid, t.Pid);
                w.Number(N.uid, t.Uid);
                w.Number(N.tgid, t.Tgid);
                w.Number(N.total_vm, t.TotalVmPages);
                w.Number(N.rss, t.RssPages);
                w.Number(N.rss_anon, t.RssAnonPages);
                w.Number(N.rss_file, t.RssFilePages);
                w.Number(N.rss_shmem, t.RssShmemPages);
                w.Number(N.pgtables_bytes, t.PageTablesBytes);
                w.Number(N.nr_ptes, t.PtesCount);
                w.Number(N.swapents, t.SwapEntries);
                w.Number(N.oom_adj, t.OomAdj);
                w.Number(N.oom_score_adj, t.OomScoreAdj);
                w.String(N.name, t.Name);
                w.EndObject();
            }
            w.EndArray();
        }
        // the history needs the victim's name: without a kill line there is nothing to compare
        if (r.Killed is { Comm.Length: > 0 }) w.Number(N.earlier_kills_same_task, r.EarlierKillsOfSameTask);
        else w.Null(N.earlier_kills_same_task);
        w.StartArray(N.diagnosis);
        foreach (var cause in r.Causes)
        {
            w.StartObject();
            w.String(N.code, cause.Code);
            w.String(N.finding, cause.Finding);
            w.StartArray(N.evidence);
            if (cause.Evidence is EvidenceLines lines) lines.WriteJson(w); // the report's lines from their bytes
            else foreach (var e in cause.Evidence) w.StringValue(e);
            w.EndArray();
            w.String(N.remedy, cause.Remedy);
            w.EndObject();
        }
        w.EndArray();
        w.EndObject();
    }

    /// <summary>Property names encoded once (the writer would otherwise transcode and escape-check each one every time).</summary>
    private static class N
    {
        public static readonly byte[] index = JsonLineWriter.Name("index");
        public static readonly byte[] format = JsonLineWriter.Name("format");
        public static readonly byte[] wrapper = JsonLineWriter.Name("wrapper");
        public static readonly byte[] time = JsonLineWriter.Name("time");
        public static readonly byte[] uptime_s = JsonLineWriter.Name("uptime_s");
        public static readonly byte[] host = JsonLineWriter.Name("host");
        public static readonly byte[] kernel = JsonLineWriter.Name("kernel");
        public static readonly byte[] scope = JsonLineWriter.Name("scope");
        public static readonly byte[] trigger_comm = JsonLineWriter.Name("trigger_comm");
        public static readonly byte[] trigger_pid = JsonLineWriter.Name("trigger_pid");
        public static readonly byte[] gfp_mask = JsonLineWriter.Name("gfp_mask");
        public static readonly byte[] order = JsonLineWriter.Name("order");
        public static readonly byte[] trigger_oom_score_adj = JsonLineWriter.Name("trigger_oom_score_adj");
        public static readonly byte[] trigger_oom_adj = JsonLineWriter.Name("trigger_oom_adj");
        public static readonly byte[] nodemask = JsonLineWriter.Name("nodemask");
        public static readonly byte[] constraint = JsonLineWriter.Name("constraint");
        public static readonly byte[] memcg = JsonLineWriter.Name("memcg");
        public static readonly byte[] task_memcg = JsonLineWriter.Name("task_memcg");
        public static readonly byte[] cpuset = JsonLineWriter.Name("cpuset");
        public static readonly byte[] mems_allowed = JsonLineWriter.Name("mems_allowed");
        public static readonly byte[] selected_pid = JsonLineWriter.Name("selected_pid");
        public static readonly byte[] selected_comm = JsonLineWriter.Name("selected_comm");
        public static readonly byte[] killed_pid = JsonLineWriter.Name("killed_pid");
        public static readonly byte[] killed_comm = JsonLineWriter.Name("killed_comm");
        public static readonly byte[] killed_total_vm_kb = JsonLineWriter.Name("killed_total_vm_kb");
        public static readonly byte[] killed_anon_rss_kb = JsonLineWriter.Name("killed_anon_rss_kb");
        public static readonly byte[] killed_file_rss_kb = JsonLineWriter.Name("killed_file_rss_kb");
        public static readonly byte[] killed_shmem_rss_kb = JsonLineWriter.Name("killed_shmem_rss_kb");
        public static readonly byte[] killed_uid = JsonLineWriter.Name("killed_uid");
        public static readonly byte[] killed_pgtables_kb = JsonLineWriter.Name("killed_pgtables_kb");
        public static readonly byte[] killed_oom_score_adj = JsonLineWriter.Name("killed_oom_score_adj");
        public static readonly byte[] killed_score = JsonLineWriter.Name("killed_score");
        public static readonly byte[] kill_reason = JsonLineWriter.Name("kill_reason");
        public static readonly byte[] oom_group_memcg = JsonLineWriter.Name("oom_group_memcg");
        public static readonly byte[] group_killed = JsonLineWriter.Name("group_killed");
        public static readonly byte[] pid = JsonLineWriter.Name("pid");
        public static readonly byte[] comm = JsonLineWriter.Name("comm");
        public static readonly byte[] anon_rss_kb = JsonLineWriter.Name("anon_rss_kb");
        public static readonly byte[] file_rss_kb = JsonLineWriter.Name("file_rss_kb");
        public static readonly byte[] shmem_rss_kb = JsonLineWriter.Name("shmem_rss_kb");
        public static readonly byte[] reaped_pid = JsonLineWriter.Name("reaped_pid");
        public static readonly byte[] reaped_anon_rss_kb = JsonLineWriter.Name("reaped_anon_rss_kb");
        public static readonly byte[] reaped_file_rss_kb = JsonLineWriter.Name("reaped_file_rss_kb");
        public static readonly byte[] reaped_shmem_rss_kb = JsonLineWriter.Name("reaped_shmem_rss_kb");
        public static readonly byte[] memcg_usage_kb = JsonLineWriter.Name("memcg_usage_kb");
        public static readonly byte[] memcg_limit_kb = JsonLineWriter.Name("memcg_limit_kb");
        public static readonly byte[] memcg_failcnt = JsonLineWriter.Name("memcg_failcnt");
        public static readonly byte[] memsw_usage_kb = JsonLineWriter.Name("memsw_usage_kb");
        public static readonly byte[] memsw_limit_kb = JsonLineWriter.Name("memsw_limit_kb");
        public static readonly byte[] swap_usage_kb = JsonLineWriter.Name("swap_usage_kb");
        public static readonly byte[] swap_limit_kb = JsonLineWriter.Name("swap_limit_kb");
        public static readonly byte[] kmem_usage_kb = JsonLineWriter.Name("kmem_usage_kb");
        public static readonly byte[] memcg_stats_path = JsonLineWriter.Name("memcg_stats_path");
        public static readonly byte[] memcg_stats_unit = JsonLineWriter.Name("memcg_stats_unit");
        public static readonly byte[] memcg_stats = JsonLineWriter.Name("memcg_stats");
        public static readonly byte[] mem_info_pages = JsonLineWriter.Name("mem_info_pages");
        public static readonly byte[] zones = JsonLineWriter.Name("zones");
        public static readonly byte[] node = JsonLineWriter.Name("node");
        public static readonly byte[] zone = JsonLineWriter.Name("zone");
        public static readonly byte[] free_kb = JsonLineWriter.Name("free_kb");
        public static readonly byte[] min_kb = JsonLineWriter.Name("min_kb");
        public static readonly byte[] low_kb = JsonLineWriter.Name("low_kb");
        public static readonly byte[] high_kb = JsonLineWriter.Name("high_kb");
        public static readonly byte[] managed_kb = JsonLineWriter.Name("managed_kb");
        public static readonly byte[] free_blocks_by_order = JsonLineWriter.Name("free_blocks_by_order");
        public static readonly byte[] hugepages_total_kb = JsonLineWriter.Name("hugepages_total_kb");
        public static readonly byte[] free_swap_kb = JsonLineWriter.Name("free_swap_kb");
        public static readonly byte[] total_swap_kb = JsonLineWriter.Name("total_swap_kb");
        public static readonly byte[] ram_pages = JsonLineWriter.Name("ram_pages");
        public static readonly byte[] reserved_pages = JsonLineWriter.Name("reserved_pages");
        public static readonly byte[] pagecache_pages = JsonLineWriter.Name("pagecache_pages");
        public static readonly byte[] unreclaimable_slab_dump = JsonLineWriter.Name("unreclaimable_slab_dump");
        public static readonly byte[] slab_top = JsonLineWriter.Name("slab_top");
        public static readonly byte[] name = JsonLineWriter.Name("name");
        public static readonly byte[] used_kb = JsonLineWriter.Name("used_kb");
        public static readonly byte[] total_kb = JsonLineWriter.Name("total_kb");
        public static readonly byte[] task_table_rows = JsonLineWriter.Name("task_table_rows");
        public static readonly byte[] tasks = JsonLineWriter.Name("tasks");
        public static readonly byte[] uid = JsonLineWriter.Name("uid");
        public static readonly byte[] tgid = JsonLineWriter.Name("tgid");
        public static readonly byte[] total_vm = JsonLineWriter.Name("total_vm");
        public static readonly byte[] rss = JsonLineWriter.Name("rss");
        public static readonly byte[] rss_anon = JsonLineWriter.Name("rss_anon");
        public static readonly byte[] rss_file = JsonLineWriter.Name("rss_file");
        public static readonly byte[] rss_shmem = JsonLineWriter.Name("rss_shmem");
        public static readonly byte[] pgtables_bytes = JsonLineWriter.Name("pgtables_bytes");
        public static readonly byte[] nr_ptes = JsonLineWriter.Name("nr_ptes");
        public static readonly byte[] swapents = JsonLineWriter.Name("swapents");
        public static readonly byte[] oom_adj = JsonLineWriter.Name("oom_adj");
        public static readonly byte[] oom_score_adj = JsonLineWriter.Name("oom_score_adj");
        public static readonly byte[] earlier_kills_same_task = JsonLineWriter.Name("earlier_kills_same_task");
        public static readonly byte[] diagnosis = JsonLineWriter.Name("diagnosis");
        public static readonly byte[] code = JsonLineWriter.Name("code");
        public static readonly byte[] finding = JsonLineWriter.Name("finding");
        public static readonly byte[] evidence = JsonLineWriter.Name("evidence");
        public static readonly byte[] remedy = JsonLineWriter.Name("remedy");
    }
}
