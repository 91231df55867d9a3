using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using OomWarden.KernelLog.Model;

namespace OomWarden.KernelLog.Output;

/// <summary>One JSON object per event, snake_case, nulls written for values the report does not show. No reflection (Utf8JsonWriter).</summary>
public static class OomReportJson
{
    private static readonly JsonWriterOptions Options = new()
    {
        Indented = false,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static string ToJsonLine(OomReport r)
    {
        var buffer = new ArrayBufferWriter<byte>(4096);
        using (var w = new Utf8JsonWriter(buffer, Options)) Write(w, r);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>Writes reports as UTF-8 JSON lines with one reused buffer and writer: no string per report.</summary>
    public sealed class LineWriter
    {
        private readonly ArrayBufferWriter<byte> _buffer = new(16 * 1024);
        private readonly Utf8JsonWriter _writer;

        public LineWriter() => _writer = new Utf8JsonWriter(_buffer, Options);

        /// <summary>The report as one JSON object followed by a newline; valid until the next call.</summary>
        public ReadOnlySpan<byte> Line(OomReport r)
        {
            _buffer.ResetWrittenCount();
            _writer.Reset(_buffer);
            Write(_writer, r);
            _writer.Flush();
            _buffer.GetSpan(1)[0] = (byte)'\n';
            _buffer.Advance(1);
            return _buffer.WrittenSpan;
        }
    }

    public static void Write(Utf8JsonWriter w, OomReport r)
    {
        w.WriteStartObject();
        w.WriteNumber("index", r.Index);
        w.WriteString("format", LogFormatNames.Name(r.Format));
        w.WriteString("wrapper", LogFormatNames.Name(r.Wrapper));
        Str(w, "time", r.Time);
        if (r.UptimeSeconds is double up) w.WriteNumber("uptime_s", Math.Round(up, 6)); else w.WriteNull("uptime_s");
        Str(w, "host", r.Host);
        Str(w, "kernel", r.Kernel);
        Str(w, "scope", OomScopeNames.Name(r.Scope));
        Str(w, "trigger_comm", r.TriggerComm);
        Num(w, "trigger_pid", r.TriggerPid);
        Str(w, "gfp_mask", r.GfpMask);
        Num(w, "order", r.Order);
        Num(w, "trigger_oom_score_adj", r.TriggerOomScoreAdj);
        Num(w, "trigger_oom_adj", r.TriggerOomAdj);
        Str(w, "nodemask", r.Nodemask);
        Str(w, "constraint", r.Constraint);
        Str(w, "memcg", r.Memcg);
        Str(w, "task_memcg", r.TaskMemcg);
        Str(w, "cpuset", r.Cpuset);
        Str(w, "mems_allowed", r.MemsAllowed);
        Num(w, "selected_pid", r.SelectedPid);
        Str(w, "selected_comm", r.SelectedComm);
        var k = r.Killed;
        Num(w, "killed_pid", k?.Pid);
        Str(w, "killed_comm", k?.Comm is { Length: > 0 } c ? c : null);
        Num(w, "killed_total_vm_kb", k?.TotalVmKb);
        Num(w, "killed_anon_rss_kb", k?.AnonRssKb);
        Num(w, "killed_file_rss_kb", k?.FileRssKb);
        Num(w, "killed_shmem_rss_kb", k?.ShmemRssKb);
        Num(w, "killed_uid", k?.Uid);
        Num(w, "killed_pgtables_kb", k?.PageTablesKb);
        Num(w, "killed_oom_score_adj", r.KilledOomScoreAdj);
        Num(w, "killed_score", r.KilledScore);
        Str(w, "kill_reason", k?.Reason);
        Str(w, "oom_group_memcg", r.OomGroupMemcg);
        if (r.OomGroupLine is null && r.GroupKilled.Count == 0) w.WriteNull("group_killed");
        else
        {
            w.WriteStartArray("group_killed");
            foreach (var g in r.GroupKilled)
            {
                w.WriteStartObject();
                w.WriteNumber("pid", g.Pid);
                Str(w, "comm", g.Comm.Length > 0 ? g.Comm : null);
                Num(w, "anon_rss_kb", g.AnonRssKb);
                Num(w, "file_rss_kb", g.FileRssKb);
                Num(w, "shmem_rss_kb", g.ShmemRssKb);
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }
        Num(w, "reaped_pid", r.ReapedPid);
        Num(w, "reaped_anon_rss_kb", r.ReapedAnonRssKb);
        Num(w, "reaped_file_rss_kb", r.ReapedFileRssKb);
        Num(w, "reaped_shmem_rss_kb", r.ReapedShmemRssKb);
        Num(w, "memcg_usage_kb", r.MemcgUsageKb);
        Num(w, "memcg_limit_kb", r.MemcgLimitKb);
        Num(w, "memcg_failcnt", r.MemcgFailcnt);
        Num(w, "memsw_usage_kb", r.MemswUsageKb);
        Num(w, "memsw_limit_kb", r.MemswLimitKb);
        Num(w, "swap_usage_kb", r.SwapUsageKb);
        Num(w, "swap_limit_kb", r.SwapLimitKb);
        Num(w, "kmem_usage_kb", r.KmemUsageKb);
        Str(w, "memcg_stats_path", r.MemcgStatsPath);
        if (r.MemcgStats.Count > 0)
        {
            w.WriteString("memcg_stats_unit", r.MemcgStatsInKb ? "kB" : "bytes");
            Pairs(w, "memcg_stats", r.MemcgStats);
        }
        else
        {
            w.WriteNull("memcg_stats_unit");
            w.WriteNull("memcg_stats");
        }
        if (r.MemInfoPages.Count > 0) Pairs(w, "mem_info_pages", r.MemInfoPages); else w.WriteNull("mem_info_pages");
        if (r.Zones.Count == 0) w.WriteNull("zones");
        else w.WriteStartArray("zones");
        foreach (var z in r.Zones)
        {
            w.WriteStartObject();
            w.WriteNumber("node", z.Node);
            w.WriteString("zone", z.Name);
            Num(w, "free_kb", z.FreeKb);
            Num(w, "min_kb", z.MinKb);
            Num(w, "low_kb", z.LowKb);
            Num(w, "high_kb", z.HighKb);
            Num(w, "managed_kb", z.ManagedKb);
            if (z.FreeBlocksByOrder is { } blocks)
            {
                w.WriteStartArray("free_blocks_by_order");
                foreach (long b in blocks) w.WriteNumberValue(b);
                w.WriteEndArray();
            }
            else w.WriteNull("free_blocks_by_order");
            w.WriteEndObject();
        }
        if (r.Zones.Count > 0) w.WriteEndArray();
        Num(w, "hugepages_total_kb", r.HugepagesTotalKb);
        Num(w, "free_swap_kb", r.FreeSwapKb);
        Num(w, "total_swap_kb", r.TotalSwapKb);
        Num(w, "ram_pages", r.PagesRam);
        Num(w, "reserved_pages", r.PagesReserved);
        Num(w, "pagecache_pages", r.PagecachePages);
        if (r.UnreclaimableSlabDumpShown is bool shown) w.WriteBoolean("unreclaimable_slab_dump", shown); else w.WriteNull("unreclaimable_slab_dump");
        if (!r.SawUnreclaimableSlabDump) w.WriteNull("slab_top");
        else
        {
            w.WriteStartArray("slab_top");
            foreach (var cache in r.SlabTop)
            {
                w.WriteStartObject();
                w.WriteString("name", cache.Name);
                w.WriteNumber("used_kb", cache.UsedKb);
                w.WriteNumber("total_kb", cache.TotalKb);
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }
        if (!r.SawTaskTable)
        {
            w.WriteNull("task_table_rows");
            w.WriteNull("tasks");
        }
        else
        {
            w.WriteNumber("task_table_rows", r.TaskTableRows);
            w.WriteStartArray("tasks");
            foreach (var t in r.Tasks)
            {
                w.WriteStartObject();
                w.WriteNumber("pid", t.Pid);
                Num(w, "uid", t.Uid);
                Num(w, "tgid", t.Tgid);
                Num(w, "total_vm", t.TotalVmPages);
                Num(w, "rss", t.RssPages);
                Num(w, "rss_anon", t.RssAnonPages);
                Num(w, "rss_file", t.RssFilePages);
                Num(w, "rss_shmem", t.RssShmemPages);
                Num(w, "pgtables_bytes", t.PageTablesBytes);
                Num(w, "nr_ptes", t.PtesCount);
                Num(w, "swapents", t.SwapEntries);
                Num(w, "oom_adj", t.OomAdj);
                Num(w, "oom_score_adj", t.OomScoreAdj);
                w.WriteString("name", t.Name);
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }
        // the history needs the victim's name: without a kill line there is nothing to compare
        if (r.Killed is { Comm.Length: > 0 }) w.WriteNumber("earlier_kills_same_task", r.EarlierKillsOfSameTask);
        else w.WriteNull("earlier_kills_same_task");
        w.WriteStartArray("diagnosis");
        foreach (var cause in r.Causes)
        {
            w.WriteStartObject();
            w.WriteString("code", cause.Code);
            w.WriteString("finding", cause.Finding);
            w.WriteStartArray("evidence");
            foreach (var e in cause.Evidence) w.WriteStringValue(e);
            w.WriteEndArray();
            w.WriteString("remedy", cause.Remedy);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void Str(Utf8JsonWriter w, string name, string? value)
    {
        if (value is null) w.WriteNull(name); else w.WriteString(name, value);
    }

    private static void Num(Utf8JsonWriter w, string name, long? value)
    {
        if (value is long v) w.WriteNumber(name, v); else w.WriteNull(name);
    }

    private static void Pairs(Utf8JsonWriter w, string name, List<KeyValuePair<string, long>> pairs)
    {
        w.WriteStartObject(name);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var kv in pairs)
            if (seen.Add(kv.Key)) w.WriteNumber(kv.Key, kv.Value);
        w.WriteEndObject();
    }
}
