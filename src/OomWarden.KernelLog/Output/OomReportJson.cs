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

    // One method per section: each small enough that the compiler inlines the writer's calls (whole, it would not).
    private static void Write(JsonLineWriter w, OomReport r)
    {
        w.StartObject();
        Header(w, r);
        Kill(w, r);
        GroupKill(w, r);
        Memcg(w, r);
        MemInfoAndZones(w, r);
        Totals(w, r);
        Tasks(w, r);
        Diagnosis(w, r);
        w.EndObject();
    }

    private static void Header(JsonLineWriter w, OomReport r)
    {
        w.Number(N.index, r.Index);
        w.String(N.format, LogFormatNames.Name(r.Format));
        w.String(N.wrapper, LogFormatNames.Name(r.Wrapper));
        if (!r.TimeText.TryBytes(r.Store, out var time) || !w.TryString(N.time, time)) w.String(N.time, r.Time);
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
    }

    private static void Kill(JsonLineWriter w, OomReport r)
    {
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
    }

    private static void GroupKill(JsonLineWriter w, OomReport r)
    {
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
    }

    private static void Memcg(JsonLineWriter w, OomReport r)
    {
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
    }

    private static void MemInfoAndZones(JsonLineWriter w, OomReport r)
    {
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
    }

    private static void Totals(JsonLineWriter w, OomReport r)
    {
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
    }

    private static void Tasks(JsonLineWriter w, OomReport r)
    {
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
    }

    private static void Diagnosis(JsonLineWriter w, OomReport r)
    {
        // the history needs the victim's name: without a kill line there is nothing to compare
        if (r.Killed is { Comm.Length: > 0 }) w.Number(N.earlier_kills_same_task, r.EarlierKillsOfSameTask);
        else w.Null(N.earlier_kills_same_task);
        w.StartArray(N.diagnosis);
        foreach (var cause in r.Causes)
        {
            w.StartObject();
            w.String(N.code, cause.Code);
            cause.WriteFinding(w, N.finding);
            w.StartArray(N.evidence);
            if (cause.Evidence is EvidenceLines lines) lines.WriteJson(w); // the report's lines from their bytes
            else foreach (var e in cause.Evidence) w.StringValue(e);
            w.EndArray();
            w.String(N.remedy, cause.Remedy);
            w.EndObject();
        }
        w.EndArray();
    }
    /// <summary>Property names as UTF-8 literals (<c>"name":</c>): constant lengths, so the writer's copy and room check fold to a few instructions.</summary>
    private static class N
    {
        public static ReadOnlySpan<byte> index => "\"index\":"u8;
        public static ReadOnlySpan<byte> format => "\"format\":"u8;
        public static ReadOnlySpan<byte> wrapper => "\"wrapper\":"u8;
        public static ReadOnlySpan<byte> time => "\"time\":"u8;
        public static ReadOnlySpan<byte> uptime_s => "\"uptime_s\":"u8;
        public static ReadOnlySpan<byte> host => "\"host\":"u8;
        public static ReadOnlySpan<byte> kernel => "\"kernel\":"u8;
        public static ReadOnlySpan<byte> scope => "\"scope\":"u8;
        public static ReadOnlySpan<byte> trigger_comm => "\"trigger_comm\":"u8;
        public static ReadOnlySpan<byte> trigger_pid => "\"trigger_pid\":"u8;
        public static ReadOnlySpan<byte> gfp_mask => "\"gfp_mask\":"u8;
        public static ReadOnlySpan<byte> order => "\"order\":"u8;
        public static ReadOnlySpan<byte> trigger_oom_score_adj => "\"trigger_oom_score_adj\":"u8;
        public static ReadOnlySpan<byte> trigger_oom_adj => "\"trigger_oom_adj\":"u8;
        public static ReadOnlySpan<byte> nodemask => "\"nodemask\":"u8;
        public static ReadOnlySpan<byte> constraint => "\"constraint\":"u8;
        public static ReadOnlySpan<byte> memcg => "\"memcg\":"u8;
        public static ReadOnlySpan<byte> task_memcg => "\"task_memcg\":"u8;
        public static ReadOnlySpan<byte> cpuset => "\"cpuset\":"u8;
        public static ReadOnlySpan<byte> mems_allowed => "\"mems_allowed\":"u8;
        public static ReadOnlySpan<byte> selected_pid => "\"selected_pid\":"u8;
        public static ReadOnlySpan<byte> selected_comm => "\"selected_comm\":"u8;
        public static ReadOnlySpan<byte> killed_pid => "\"killed_pid\":"u8;
        public static ReadOnlySpan<byte> killed_comm => "\"killed_comm\":"u8;
        public static ReadOnlySpan<byte> killed_total_vm_kb => "\"killed_total_vm_kb\":"u8;
        public static ReadOnlySpan<byte> killed_anon_rss_kb => "\"killed_anon_rss_kb\":"u8;
        public static ReadOnlySpan<byte> killed_file_rss_kb => "\"killed_file_rss_kb\":"u8;
        public static ReadOnlySpan<byte> killed_shmem_rss_kb => "\"killed_shmem_rss_kb\":"u8;
        public static ReadOnlySpan<byte> killed_uid => "\"killed_uid\":"u8;
        public static ReadOnlySpan<byte> killed_pgtables_kb => "\"killed_pgtables_kb\":"u8;
        public static ReadOnlySpan<byte> killed_oom_score_adj => "\"killed_oom_score_adj\":"u8;
        public static ReadOnlySpan<byte> killed_score => "\"killed_score\":"u8;
        public static ReadOnlySpan<byte> kill_reason => "\"kill_reason\":"u8;
        public static ReadOnlySpan<byte> oom_group_memcg => "\"oom_group_memcg\":"u8;
        public static ReadOnlySpan<byte> group_killed => "\"group_killed\":"u8;
        public static ReadOnlySpan<byte> pid => "\"pid\":"u8;
        public static ReadOnlySpan<byte> comm => "\"comm\":"u8;
        public static ReadOnlySpan<byte> anon_rss_kb => "\"anon_rss_kb\":"u8;
        public static ReadOnlySpan<byte> file_rss_kb => "\"file_rss_kb\":"u8;
        public static ReadOnlySpan<byte> shmem_rss_kb => "\"shmem_rss_kb\":"u8;
        public static ReadOnlySpan<byte> reaped_pid => "\"reaped_pid\":"u8;
        public static ReadOnlySpan<byte> reaped_anon_rss_kb => "\"reaped_anon_rss_kb\":"u8;
        public static ReadOnlySpan<byte> reaped_file_rss_kb => "\"reaped_file_rss_kb\":"u8;
        public static ReadOnlySpan<byte> reaped_shmem_rss_kb => "\"reaped_shmem_rss_kb\":"u8;
        public static ReadOnlySpan<byte> memcg_usage_kb => "\"memcg_usage_kb\":"u8;
        public static ReadOnlySpan<byte> memcg_limit_kb => "\"memcg_limit_kb\":"u8;
        public static ReadOnlySpan<byte> memcg_failcnt => "\"memcg_failcnt\":"u8;
        public static ReadOnlySpan<byte> memsw_usage_kb => "\"memsw_usage_kb\":"u8;
        public static ReadOnlySpan<byte> memsw_limit_kb => "\"memsw_limit_kb\":"u8;
        public static ReadOnlySpan<byte> swap_usage_kb => "\"swap_usage_kb\":"u8;
        public static ReadOnlySpan<byte> swap_limit_kb => "\"swap_limit_kb\":"u8;
        public static ReadOnlySpan<byte> kmem_usage_kb => "\"kmem_usage_kb\":"u8;
        public static ReadOnlySpan<byte> memcg_stats_path => "\"memcg_stats_path\":"u8;
        public static ReadOnlySpan<byte> memcg_stats_unit => "\"memcg_stats_unit\":"u8;
        public static ReadOnlySpan<byte> memcg_stats => "\"memcg_stats\":"u8;
        public static ReadOnlySpan<byte> mem_info_pages => "\"mem_info_pages\":"u8;
        public static ReadOnlySpan<byte> zones => "\"zones\":"u8;
        public static ReadOnlySpan<byte> node => "\"node\":"u8;
        public static ReadOnlySpan<byte> zone => "\"zone\":"u8;
        public static ReadOnlySpan<byte> free_kb => "\"free_kb\":"u8;
        public static ReadOnlySpan<byte> min_kb => "\"min_kb\":"u8;
        public static ReadOnlySpan<byte> low_kb => "\"low_kb\":"u8;
        public static ReadOnlySpan<byte> high_kb => "\"high_kb\":"u8;
        public static ReadOnlySpan<byte> managed_kb => "\"managed_kb\":"u8;
        public static ReadOnlySpan<byte> free_blocks_by_order => "\"free_blocks_by_order\":"u8;
        public static ReadOnlySpan<byte> hugepages_total_kb => "\"hugepages_total_kb\":"u8;
        public static ReadOnlySpan<byte> free_swap_kb => "\"free_swap_kb\":"u8;
        public static ReadOnlySpan<byte> total_swap_kb => "\"total_swap_kb\":"u8;
        public static ReadOnlySpan<byte> ram_pages => "\"ram_pages\":"u8;
        public static ReadOnlySpan<byte> reserved_pages => "\"reserved_pages\":"u8;
        public static ReadOnlySpan<byte> pagecache_pages => "\"pagecache_pages\":"u8;
        public static ReadOnlySpan<byte> unreclaimable_slab_dump => "\"unreclaimable_slab_dump\":"u8;
        public static ReadOnlySpan<byte> slab_top => "\"slab_top\":"u8;
        public static ReadOnlySpan<byte> name => "\"name\":"u8;
        public static ReadOnlySpan<byte> used_kb => "\"used_kb\":"u8;
        public static ReadOnlySpan<byte> total_kb => "\"total_kb\":"u8;
        public static ReadOnlySpan<byte> task_table_rows => "\"task_table_rows\":"u8;
        public static ReadOnlySpan<byte> tasks => "\"tasks\":"u8;
        public static ReadOnlySpan<byte> uid => "\"uid\":"u8;
        public static ReadOnlySpan<byte> tgid => "\"tgid\":"u8;
        public static ReadOnlySpan<byte> total_vm => "\"total_vm\":"u8;
        public static ReadOnlySpan<byte> rss => "\"rss\":"u8;
        public static ReadOnlySpan<byte> rss_anon => "\"rss_anon\":"u8;
        public static ReadOnlySpan<byte> rss_file => "\"rss_file\":"u8;
        public static ReadOnlySpan<byte> rss_shmem => "\"rss_shmem\":"u8;
        public static ReadOnlySpan<byte> pgtables_bytes => "\"pgtables_bytes\":"u8;
        public static ReadOnlySpan<byte> nr_ptes => "\"nr_ptes\":"u8;
        public static ReadOnlySpan<byte> swapents => "\"swapents\":"u8;
        public static ReadOnlySpan<byte> oom_adj => "\"oom_adj\":"u8;
        public static ReadOnlySpan<byte> oom_score_adj => "\"oom_score_adj\":"u8;
        public static ReadOnlySpan<byte> earlier_kills_same_task => "\"earlier_kills_same_task\":"u8;
        public static ReadOnlySpan<byte> diagnosis => "\"diagnosis\":"u8;
        public static ReadOnlySpan<byte> code => "\"code\":"u8;
        public static ReadOnlySpan<byte> finding => "\"finding\":"u8;
        public static ReadOnlySpan<byte> evidence => "\"evidence\":"u8;
        public static ReadOnlySpan<byte> remedy => "\"remedy\":"u8;
    }
}
