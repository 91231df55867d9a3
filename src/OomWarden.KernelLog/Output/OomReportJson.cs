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
        private readonly NameCache _names = new();

        public LineWriter() => _writer = new Utf8JsonWriter(_buffer, Options);

        /// <summary>The report as one JSON object followed by a newline; valid until the next call.</summary>
        public ReadOnlySpan<byte> Line(OomReport r)
        {
            _buffer.ResetWrittenCount();
            _writer.Reset(_buffer);
            Write(_writer, r, _names);
            _writer.Flush();
            _buffer.GetSpan(1)[0] = (byte)'\n';
            _buffer.Advance(1);
            return _buffer.WrittenSpan;
        }
    }

    public static void Write(Utf8JsonWriter w, OomReport r) => Write(w, r, null);

    private static void Write(Utf8JsonWriter w, OomReport r, NameCache? names)
    {
        w.WriteStartObject();
        w.WriteNumber(N.index, r.Index);
        w.WriteString(N.format, LogFormatNames.Name(r.Format));
        w.WriteString(N.wrapper, LogFormatNames.Name(r.Wrapper));
        Str(w, N.time, r.Time);
        if (r.UptimeSeconds is double up) w.WriteNumber(N.uptime_s, Math.Round(up, 6)); else w.WriteNull(N.uptime_s);
        Str(w, N.host, r.Host);
        Str(w, N.kernel, r.Kernel);
        Str(w, N.scope, OomScopeNames.Name(r.Scope));
        Str(w, N.trigger_comm, r.TriggerComm);
        Num(w, N.trigger_pid, r.TriggerPid);
        Str(w, N.gfp_mask, r.GfpMask);
        Num(w, N.order, r.Order);
        Num(w, N.trigger_oom_score_adj, r.TriggerOomScoreAdj);
        Num(w, N.trigger_oom_adj, r.TriggerOomAdj);
        Str(w, N.nodemask, r.Nodemask);
        Str(w, N.constraint, r.Constraint);
        Str(w, N.memcg, r.Memcg);
        Str(w, N.task_memcg, r.TaskMemcg);
        Str(w, N.cpuset, r.Cpuset);
        Str(w, N.mems_allowed, r.MemsAllowed);
        Num(w, N.selected_pid, r.SelectedPid);
        Str(w, N.selected_comm, r.SelectedComm);
        var k = r.Killed;
        Num(w, N.killed_pid, k?.Pid);
        Str(w, N.killed_comm, k?.Comm is { Length: > 0 } c ? c : null);
        Num(w, N.killed_total_vm_kb, k?.TotalVmKb);
        Num(w, N.killed_anon_rss_kb, k?.AnonRssKb);
        Num(w, N.killed_file_rss_kb, k?.FileRssKb);
        Num(w, N.killed_shmem_rss_kb, k?.ShmemRssKb);
        Num(w, N.killed_uid, k?.Uid);
        Num(w, N.killed_pgtables_kb, k?.PageTablesKb);
        Num(w, N.killed_oom_score_adj, r.KilledOomScoreAdj);
        Num(w, N.killed_score, r.KilledScore);
        Str(w, N.kill_reason, k?.Reason);
        Str(w, N.oom_group_memcg, r.OomGroupMemcg);
        if (r.OomGroupLine is null && r.GroupKilled.Count == 0) w.WriteNull(N.group_killed);
        else
        {
            w.WriteStartArray(N.group_killed);
            foreach (var g in r.GroupKilled)
            {
                w.WriteStartObject();
                w.WriteNumber(N.pid, g.Pid);
                Str(w, N.comm, g.Comm.Length > 0 ? g.Comm : null);
                Num(w, N.anon_rss_kb, g.AnonRssKb);
                Num(w, N.file_rss_kb, g.FileRssKb);
                Num(w, N.shmem_rss_kb, g.ShmemRssKb);
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }
        Num(w, N.reaped_pid, r.ReapedPid);
        Num(w, N.reaped_anon_rss_kb, r.ReapedAnonRssKb);
        Num(w, N.reaped_file_rss_kb, r.ReapedFileRssKb);
        Num(w, N.reaped_shmem_rss_kb, r.ReapedShmemRssKb);
        Num(w, N.memcg_usage_kb, r.MemcgUsageKb);
        Num(w, N.memcg_limit_kb, r.MemcgLimitKb);
        Num(w, N.memcg_failcnt, r.MemcgFailcnt);
        Num(w, N.memsw_usage_kb, r.MemswUsageKb);
        Num(w, N.memsw_limit_kb, r.MemswLimitKb);
        Num(w, N.swap_usage_kb, r.SwapUsageKb);
        Num(w, N.swap_limit_kb, r.SwapLimitKb);
        Num(w, N.kmem_usage_kb, r.KmemUsageKb);
        Str(w, N.memcg_stats_path, r.MemcgStatsPath);
        if (r.MemcgStats.Count > 0)
        {
            w.WriteString(N.memcg_stats_unit, r.MemcgStatsInKb ? "kB" : "bytes");
            Pairs(w, N.memcg_stats, r.MemcgStats, names);
        }
        else
        {
            w.WriteNull(N.memcg_stats_unit);
            w.WriteNull(N.memcg_stats);
        }
        if (r.MemInfoPages.Count > 0) Pairs(w, N.mem_info_pages, r.MemInfoPages, names); else w.WriteNull(N.mem_info_pages);
        if (r.Zones.Count == 0) w.WriteNull(N.zones);
        else w.WriteStartArray(N.zones);
        foreach (var z in r.Zones)
        {
            w.WriteStartObject();
            w.WriteNumber(N.node, z.Node);
            w.WriteString(N.zone, z.Name);
            Num(w, N.free_kb, z.FreeKb);
            Num(w, N.min_kb, z.MinKb);
            Num(w, N.low_kb, z.LowKb);
            Num(w, N.high_kb, z.HighKb);
            Num(w, N.managed_kb, z.ManagedKb);
            if (z.FreeBlocksByOrder is { } blocks)
            {
                w.WriteStartArray(N.free_blocks_by_order);
                foreach (long b in blocks) w.WriteNumberValue(b);
                w.WriteEndArray();
            }
            else w.WriteNull(N.free_blocks_by_order);
            w.WriteEndObject();
        }
        if (r.Zones.Count > 0) w.WriteEndArray();
        Num(w, N.hugepages_total_kb, r.HugepagesTotalKb);
        Num(w, N.free_swap_kb, r.FreeSwapKb);
        Num(w, N.total_swap_kb, r.TotalSwapKb);
        Num(w, N.ram_pages, r.PagesRam);
        Num(w, N.reserved_pages, r.PagesReserved);
        Num(w, N.pagecache_pages, r.PagecachePages);
        if (r.UnreclaimableSlabDumpShown is bool shown) w.WriteBoolean(N.unreclaimable_slab_dump, shown); else w.WriteNull(N.unreclaimable_slab_dump);
        if (!r.SawUnreclaimableSlabDump) w.WriteNull(N.slab_top);
        else
        {
            w.WriteStartArray(N.slab_top);
            foreach (var cache in r.SlabTop)
            {
                w.WriteStartObject();
                w.WriteString(N.name, cache.Name);
                w.WriteNumber(N.used_kb, cache.UsedKb);
                w.WriteNumber(N.total_kb, cache.TotalKb);
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }
        if (!r.SawTaskTable)
        {
            w.WriteNull(N.task_table_rows);
            w.WriteNull(N.tasks);
        }
        else
        {
            w.WriteNumber(N.task_table_rows, r.TaskTableRows);
            w.WriteStartArray(N.tasks);
            foreach (var t in r.Tasks)
            {
                w.WriteStartObject();
                w.WriteNumber(N.pid, t.Pid);
                Num(w, N.uid, t.Uid);
                Num(w, N.tgid, t.Tgid);
                Num(w, N.total_vm, t.TotalVmPages);
                Num(w, N.rss, t.RssPages);
                Num(w, N.rss_anon, t.RssAnonPages);
                Num(w, N.rss_file, t.RssFilePages);
                Num(w, N.rss_shmem, t.RssShmemPages);
                Num(w, N.pgtables_bytes, t.PageTablesBytes);
                Num(w, N.nr_ptes, t.PtesCount);
                Num(w, N.swapents, t.SwapEntries);
                Num(w, N.oom_adj, t.OomAdj);
                Num(w, N.oom_score_adj, t.OomScoreAdj);
                w.WriteString(N.name, t.Name);
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }
        // the history needs the victim's name: without a kill line there is nothing to compare
        if (r.Killed is { Comm.Length: > 0 }) w.WriteNumber(N.earlier_kills_same_task, r.EarlierKillsOfSameTask);
        else w.WriteNull(N.earlier_kills_same_task);
        w.WriteStartArray(N.diagnosis);
        foreach (var cause in r.Causes)
        {
            w.WriteStartObject();
            w.WriteString(N.code, cause.Code);
            w.WriteString(N.finding, cause.Finding);
            w.WriteStartArray(N.evidence);
            foreach (var e in cause.Evidence) w.WriteStringValue(e);
            w.WriteEndArray();
            w.WriteString(N.remedy, cause.Remedy);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void Str(Utf8JsonWriter w, JsonEncodedText name, string? value)
    {
        if (value is null) w.WriteNull(name); else w.WriteString(name, value);
    }

    private static void Num(Utf8JsonWriter w, JsonEncodedText name, long? value)
    {
        if (value is long v) w.WriteNumber(name, v); else w.WriteNull(name);
    }

    private static void Pairs(Utf8JsonWriter w, JsonEncodedText name, List<KeyValuePair<string, long>> pairs, NameCache? names)
    {
        w.WriteStartObject(name);
        // a damaged report may repeat a key: the first one counts (lists are short: at most 256). A 256-bit filter
        // of (length, first, middle, last char) keeps the quadratic look-back for the keys that may be repeats.
        Span<ulong> filter = stackalloc ulong[4];
        for (int i = 0; i < pairs.Count; i++)
        {
            string key = pairs[i].Key;
            uint h = key.Length == 0 ? 0u : (uint)(key.Length * 31 + key[0] * 7 + key[^1] * 3 + key[key.Length / 2]) * 2654435761u;
            int word = (int)(h >> 30), bit = (int)(h >> 24) & 63;
            bool seen = false;
            if ((filter[word] & (1UL << bit)) != 0)
                for (int j = 0; j < i && !seen; j++) seen = string.Equals(pairs[j].Key, key, StringComparison.Ordinal);
            filter[word] |= 1UL << bit;
            if (seen) continue;
            if (names?.Get(key) is { } encoded) w.WriteNumber(encoded, pairs[i].Value);
            else w.WriteNumber(key, pairs[i].Value);
        }
        w.WriteEndObject();
    }

    /// <summary>
    /// Counter names (Mem-Info, memcg stats) encoded once per writer: every report repeats them, and the writer
    /// would transcode and escape-check each one every time. Only names that no encoder escapes ([A-Za-z0-9_])
    /// are kept (null for the others: the writer escapes them), at most <see cref="MaxNames"/>.
    /// </summary>
    private sealed class NameCache
    {
        private const int MaxNames = 4096;
        private readonly Dictionary<string, JsonEncodedText> _names = new(StringComparer.Ordinal);

        public JsonEncodedText? Get(string key)
        {
            if (_names.TryGetValue(key, out var hit)) return hit;
            if (key.Length == 0 || _names.Count >= MaxNames) return null;
            foreach (char c in key)
                if (!(char.IsAsciiLetterOrDigit(c) || c == '_')) return null;
            var encoded = JsonEncodedText.Encode(key, Options.Encoder);
            _names[key] = encoded;
            return encoded;
        }
    }

    /// <summary>Property names encoded once (the writer would otherwise transcode and escape-check each one every time).</summary>
    private static class N
    {
        public static readonly JsonEncodedText index = JsonEncodedText.Encode("index");
        public static readonly JsonEncodedText format = JsonEncodedText.Encode("format");
        public static readonly JsonEncodedText wrapper = JsonEncodedText.Encode("wrapper");
        public static readonly JsonEncodedText time = JsonEncodedText.Encode("time");
        public static readonly JsonEncodedText uptime_s = JsonEncodedText.Encode("uptime_s");
        public static readonly JsonEncodedText host = JsonEncodedText.Encode("host");
        public static readonly JsonEncodedText kernel = JsonEncodedText.Encode("kernel");
        public static readonly JsonEncodedText scope = JsonEncodedText.Encode("scope");
        public static readonly JsonEncodedText trigger_comm = JsonEncodedText.Encode("trigger_comm");
        public static readonly JsonEncodedText trigger_pid = JsonEncodedText.Encode("trigger_pid");
        public static readonly JsonEncodedText gfp_mask = JsonEncodedText.Encode("gfp_mask");
        public static readonly JsonEncodedText order = JsonEncodedText.Encode("order");
        public static readonly JsonEncodedText trigger_oom_score_adj = JsonEncodedText.Encode("trigger_oom_score_adj");
        public static readonly JsonEncodedText trigger_oom_adj = JsonEncodedText.Encode("trigger_oom_adj");
        public static readonly JsonEncodedText nodemask = JsonEncodedText.Encode("nodemask");
        public static readonly JsonEncodedText constraint = JsonEncodedText.Encode("constraint");
        public static readonly JsonEncodedText memcg = JsonEncodedText.Encode("memcg");
        public static readonly JsonEncodedText task_memcg = JsonEncodedText.Encode("task_memcg");
        public static readonly JsonEncodedText cpuset = JsonEncodedText.Encode("cpuset");
        public static readonly JsonEncodedText mems_allowed = JsonEncodedText.Encode("mems_allowed");
        public static readonly JsonEncodedText selected_pid = JsonEncodedText.Encode("selected_pid");
        public static readonly JsonEncodedText selected_comm = JsonEncodedText.Encode("selected_comm");
        public static readonly JsonEncodedText killed_pid = JsonEncodedText.Encode("killed_pid");
        public static readonly JsonEncodedText killed_comm = JsonEncodedText.Encode("killed_comm");
        public static readonly JsonEncodedText killed_total_vm_kb = JsonEncodedText.Encode("killed_total_vm_kb");
        public static readonly JsonEncodedText killed_anon_rss_kb = JsonEncodedText.Encode("killed_anon_rss_kb");
        public static readonly JsonEncodedText killed_file_rss_kb = JsonEncodedText.Encode("killed_file_rss_kb");
        public static readonly JsonEncodedText killed_shmem_rss_kb = JsonEncodedText.Encode("killed_shmem_rss_kb");
        public static readonly JsonEncodedText killed_uid = JsonEncodedText.Encode("killed_uid");
        public static readonly JsonEncodedText killed_pgtables_kb = JsonEncodedText.Encode("killed_pgtables_kb");
        public static readonly JsonEncodedText killed_oom_score_adj = JsonEncodedText.Encode("killed_oom_score_adj");
        public static readonly JsonEncodedText killed_score = JsonEncodedText.Encode("killed_score");
        public static readonly JsonEncodedText kill_reason = JsonEncodedText.Encode("kill_reason");
        public static readonly JsonEncodedText oom_group_memcg = JsonEncodedText.Encode("oom_group_memcg");
        public static readonly JsonEncodedText group_killed = JsonEncodedText.Encode("group_killed");
        public static readonly JsonEncodedText pid = JsonEncodedText.Encode("pid");
        public static readonly JsonEncodedText comm = JsonEncodedText.Encode("comm");
        public static readonly JsonEncodedText anon_rss_kb = JsonEncodedText.Encode("anon_rss_kb");
        public static readonly JsonEncodedText file_rss_kb = JsonEncodedText.Encode("file_rss_kb");
        public static readonly JsonEncodedText shmem_rss_kb = JsonEncodedText.Encode("shmem_rss_kb");
        public static readonly JsonEncodedText reaped_pid = JsonEncodedText.Encode("reaped_pid");
        public static readonly JsonEncodedText reaped_anon_rss_kb = JsonEncodedText.Encode("reaped_anon_rss_kb");
        public static readonly JsonEncodedText reaped_file_rss_kb = JsonEncodedText.Encode("reaped_file_rss_kb");
        public static readonly JsonEncodedText reaped_shmem_rss_kb = JsonEncodedText.Encode("reaped_shmem_rss_kb");
        public static readonly JsonEncodedText memcg_usage_kb = JsonEncodedText.Encode("memcg_usage_kb");
        public static readonly JsonEncodedText memcg_limit_kb = JsonEncodedText.Encode("memcg_limit_kb");
        public static readonly JsonEncodedText memcg_failcnt = JsonEncodedText.Encode("memcg_failcnt");
        public static readonly JsonEncodedText memsw_usage_kb = JsonEncodedText.Encode("memsw_usage_kb");
        public static readonly JsonEncodedText memsw_limit_kb = JsonEncodedText.Encode("memsw_limit_kb");
        public static readonly JsonEncodedText swap_usage_kb = JsonEncodedText.Encode("swap_usage_kb");
        public static readonly JsonEncodedText swap_limit_kb = JsonEncodedText.Encode("swap_limit_kb");
        public static readonly JsonEncodedText kmem_usage_kb = JsonEncodedText.Encode("kmem_usage_kb");
        public static readonly JsonEncodedText memcg_stats_path = JsonEncodedText.Encode("memcg_stats_path");
        public static readonly JsonEncodedText memcg_stats_unit = JsonEncodedText.Encode("memcg_stats_unit");
        public static readonly JsonEncodedText memcg_stats = JsonEncodedText.Encode("memcg_stats");
        public static readonly JsonEncodedText mem_info_pages = JsonEncodedText.Encode("mem_info_pages");
        public static readonly JsonEncodedText zones = JsonEncodedText.Encode("zones");
        public static readonly JsonEncodedText node = JsonEncodedText.Encode("node");
        public static readonly JsonEncodedText zone = JsonEncodedText.Encode("zone");
        public static readonly JsonEncodedText free_kb = JsonEncodedText.Encode("free_kb");
        public static readonly JsonEncodedText min_kb = JsonEncodedText.Encode("min_kb");
        public static readonly JsonEncodedText low_kb = JsonEncodedText.Encode("low_kb");
        public static readonly JsonEncodedText high_kb = JsonEncodedText.Encode("high_kb");
        public static readonly JsonEncodedText managed_kb = JsonEncodedText.Encode("managed_kb");
        public static readonly JsonEncodedText free_blocks_by_order = JsonEncodedText.Encode("free_blocks_by_order");
        public static readonly JsonEncodedText hugepages_total_kb = JsonEncodedText.Encode("hugepages_total_kb");
        public static readonly JsonEncodedText free_swap_kb = JsonEncodedText.Encode("free_swap_kb");
        public static readonly JsonEncodedText total_swap_kb = JsonEncodedText.Encode("total_swap_kb");
        public static readonly JsonEncodedText ram_pages = JsonEncodedText.Encode("ram_pages");
        public static readonly JsonEncodedText reserved_pages = JsonEncodedText.Encode("reserved_pages");
        public static readonly JsonEncodedText pagecache_pages = JsonEncodedText.Encode("pagecache_pages");
        public static readonly JsonEncodedText unreclaimable_slab_dump = JsonEncodedText.Encode("unreclaimable_slab_dump");
        public static readonly JsonEncodedText slab_top = JsonEncodedText.Encode("slab_top");
        public static readonly JsonEncodedText name = JsonEncodedText.Encode("name");
        public static readonly JsonEncodedText used_kb = JsonEncodedText.Encode("used_kb");
        public static readonly JsonEncodedText total_kb = JsonEncodedText.Encode("total_kb");
        public static readonly JsonEncodedText task_table_rows = JsonEncodedText.Encode("task_table_rows");
        public static readonly JsonEncodedText tasks = JsonEncodedText.Encode("tasks");
        public static readonly JsonEncodedText uid = JsonEncodedText.Encode("uid");
        public static readonly JsonEncodedText tgid = JsonEncodedText.Encode("tgid");
        public static readonly JsonEncodedText total_vm = JsonEncodedText.Encode("total_vm");
        public static readonly JsonEncodedText rss = JsonEncodedText.Encode("rss");
        public static readonly JsonEncodedText rss_anon = JsonEncodedText.Encode("rss_anon");
        public static readonly JsonEncodedText rss_file = JsonEncodedText.Encode("rss_file");
        public static readonly JsonEncodedText rss_shmem = JsonEncodedText.Encode("rss_shmem");
        public static readonly JsonEncodedText pgtables_bytes = JsonEncodedText.Encode("pgtables_bytes");
        public static readonly JsonEncodedText nr_ptes = JsonEncodedText.Encode("nr_ptes");
        public static readonly JsonEncodedText swapents = JsonEncodedText.Encode("swapents");
        public static readonly JsonEncodedText oom_adj = JsonEncodedText.Encode("oom_adj");
        public static readonly JsonEncodedText oom_score_adj = JsonEncodedText.Encode("oom_score_adj");
        public static readonly JsonEncodedText earlier_kills_same_task = JsonEncodedText.Encode("earlier_kills_same_task");
        public static readonly JsonEncodedText diagnosis = JsonEncodedText.Encode("diagnosis");
        public static readonly JsonEncodedText code = JsonEncodedText.Encode("code");
        public static readonly JsonEncodedText finding = JsonEncodedText.Encode("finding");
        public static readonly JsonEncodedText evidence = JsonEncodedText.Encode("evidence");
        public static readonly JsonEncodedText remedy = JsonEncodedText.Encode("remedy");
    }
}
