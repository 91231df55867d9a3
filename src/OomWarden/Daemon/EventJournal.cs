using System.Buffers;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using OomWarden.Linux.Interop;
using OomWarden.Linux.IO;

namespace OomWarden.Daemon;

/// <summary>Append-only journal, one JSON object per line, fsync'd after every kill so the history
/// survives a crash or the machine going down. The file is opened as <see cref="AppendOnlyFile"/> (never through a
/// symlink, never a FIFO or device; created 0600). A failed or short write (a full disk) is logged once per
/// episode and counted; the next good write ends the episode. A line cut short by a full disk is ended with a
/// newline before the next event, so that event stays a line of its own.</summary>
public sealed class EventJournal : IDisposable
{
    private readonly AppendOnlyFile _file;
    private readonly ArrayBufferWriter<byte> _buffer = new(1024);
    private readonly Action<string> _warn;
    private bool _failing;
    private bool _partialLine;
    private long _failedInEpisode;
    private long _writeFailures;

    /// <summary>Plain UTF-8 (no \u002B for '+'): the journal is read by people and by jq alike.</summary>
    public static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private EventJournal(AppendOnlyFile file, Action<string> warn)
    {
        _file = file;
        _warn = warn;
    }

    public string Path => _file.Path;

    /// <summary>Events that could not be written (wholly or in part) since start.</summary>
    public long WriteFailures => Interlocked.Read(ref _writeFailures);

    /// <summary>Opens (creating the directory if needed) for appending; null with a one-line error when
    /// impossible or when the path is not a regular file. <paramref name="warn"/> receives the write-failure lines.</summary>
    public static EventJournal? TryOpen(string path, Action<string> warn, out string? error)
    {
        try
        {
            string? dir = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path));
            if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            error = $"cannot open event journal {path}: cannot create its directory: {OsErrors.Describe(e)}";
            return null;
        }
        var file = AppendOnlyFile.TryOpen(path, out string? reason);
        if (file is null)
        {
            error = $"cannot open event journal: {reason}";
            return null;
        }
        error = null;
        return new EventJournal(file, warn);
    }

    /// <summary>Thread-safe: the daemon's loop and the kernel-kill notifier both append.</summary>
    public void Append(KillEvent e, bool sync)
    {
        lock (_buffer) AppendLocked(e, sync);
    }

    private void AppendLocked(KillEvent e, bool sync)
    {
        _buffer.ResetWrittenCount();
        int prefix = 0;
        if (_partialLine)
        {
            _buffer.Write("\n"u8);
            prefix = 1;
        }
        using (var w = new Utf8JsonWriter(_buffer, WriterOptions))
        {
            Write(w, e);
        }
        _buffer.Write("\n"u8);
        var line = _buffer.WrittenSpan;
        int n = _file.Append(line);
        if (n == line.Length)
        {
            _partialLine = false;
            int syncResult = sync ? _file.Sync() : 0;
            if (syncResult < 0)
            {
                Failed(Errno.Describe(-syncResult, "fsync", Path));
                return;
            }
            if (_failing)
            {
                _failing = false;
                _warn($"event journal {Path} is written again after {_failedInEpisode} event(s) lost or cut short");
            }
            return;
        }
        // A failed write leaves the file as it was; a short one leaves a cut line (unless only the newline that
        // ended the previous cut line got through).
        if (n >= 0) _partialLine = n > prefix || (n == 0 && _partialLine);
        Failed(n < 0
            ? Errno.Describe(-n, "write", Path)
            : $"write {Path}: {n} of {line.Length} bytes written (disk full?)");
    }

    private void Failed(string reason)
    {
        Interlocked.Increment(ref _writeFailures);
        if (_failing)
        {
            _failedInEpisode++;
            return;
        }
        _failing = true;
        _failedInEpisode = 1;
        _warn($"cannot write the event journal: {reason}; events go to stderr only, further failures are counted "
            + "(shown at stop) until a write succeeds");
    }

    public static void Write(Utf8JsonWriter w, KillEvent e)
    {
        w.WriteStartObject();
        w.WriteString("event"u8, e.Event);
        w.WriteString("time"u8, e.Time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
        if (e.SignalId is not null) w.WriteString("signal_id"u8, e.SignalId);
        if (e.Pid is int pid) w.WriteNumber("pid"u8, pid);
        if (e.StartTimeTicks is ulong st) w.WriteNumber("start_time"u8, st);
        if (e.Comm is not null) w.WriteString("comm"u8, e.Comm);
        if (e.Cgroup is not null) w.WriteString("cgroup"u8, e.Cgroup);
        if (e.Domain is not null) w.WriteString("domain"u8, e.Domain);
        if (e.Signal is not null) w.WriteString("signal"u8, e.Signal);
        if (e.Reason is not null) w.WriteString("reason"u8, e.Reason);
        if (e.Victim is not null) w.WriteString("victim"u8, e.Victim);
        if (e.Rule is not null) w.WriteString("rule"u8, e.Rule);
        if (e.Priority is int pr) w.WriteNumber("priority"u8, pr);
        if (e.FootprintBytes is long fp) w.WriteNumber("footprint_bytes"u8, fp);
        if (e.FreedBytes is long freed) w.WriteNumber("freed_bytes"u8, freed);
        if (e.ExitMs is double exitMs) w.WriteNumber("exit_ms"u8, Math.Round(exitMs, 1));
        if (e.DecisionMs is double dms) w.WriteNumber("decision_ms"u8, Math.Round(dms, 3));
        if (e.Result is not null) w.WriteString("result"u8, e.Result);
        if (e.Escalated is bool esc) w.WriteBoolean("escalated"u8, esc);
        if (e.GraceMs is double grace) w.WriteNumber("grace_ms"u8, Math.Round(grace, 1));
        if (e.Survivors is int survivors) w.WriteNumber("survivors"u8, survivors);
        if (e.Kind is not null) w.WriteString("kind"u8, e.Kind);
        if (e.OomGroup is bool og) w.WriteBoolean("oom_group"u8, og);
        if (e.OomGroupCgroup is not null) w.WriteString("oom_group_cgroup"u8, e.OomGroupCgroup);
        if (e.WhileStopped) w.WriteBoolean("while_stopped"u8, true);
        if (e.Kills is long kills) w.WriteNumber("kills"u8, kills);
        if (e.KillsHierarchical is long kh) w.WriteNumber("kills_hierarchical"u8, kh);
        if (e.OomGroupKills is long ogk) w.WriteNumber("oom_group_kills"u8, ogk);
        if (e.TriggerComm is not null) w.WriteString("trigger_comm"u8, e.TriggerComm);
        if (e.TriggerPid is long tp) w.WriteNumber("trigger_pid"u8, tp);
        if (e.GfpMask is not null) w.WriteString("gfp_mask"u8, e.GfpMask);
        if (e.Order is int order) w.WriteNumber("order"u8, order);
        if (e.TotalVmKb is long tv) w.WriteNumber("total_vm_kb"u8, tv);
        if (e.AnonRssKb is long ar) w.WriteNumber("anon_rss_kb"u8, ar);
        if (e.FileRssKb is long fr) w.WriteNumber("file_rss_kb"u8, fr);
        if (e.ShmemRssKb is long sr) w.WriteNumber("shmem_rss_kb"u8, sr);
        if (e.PageTablesKb is long pt) w.WriteNumber("pgtables_kb"u8, pt);
        if (e.Uid is long uid) w.WriteNumber("uid"u8, uid);
        if (e.OomScoreAdj is long adj) w.WriteNumber("oom_score_adj"u8, adj);
        if (e.MemcgUsageKb is long mu) w.WriteNumber("memcg_usage_kb"u8, mu);
        if (e.MemcgLimitKb is long ml) w.WriteNumber("memcg_limit_kb"u8, ml);
        if (e.Nodemask is not null) w.WriteString("nodemask"u8, e.Nodemask);
        if (e.Cpuset is not null) w.WriteString("cpuset"u8, e.Cpuset);
        if (e.MemsAllowed is not null) w.WriteString("mems_allowed"u8, e.MemsAllowed);
        if (e.UptimeS is double up) w.WriteNumber("uptime_s"u8, up);
        if (e.RestartLoop)
        {
            w.WriteBoolean("restart_loop"u8, true);
            if (e.LoopKills is int lk) w.WriteNumber("loop_kills"u8, lk);
            if (e.LoopKey is not null) w.WriteString("loop_key"u8, e.LoopKey);
            if (e.LoopName is not null) w.WriteString("loop_name"u8, e.LoopName);
            if (e.Unit is not null) w.WriteString("unit"u8, e.Unit);
        }
        if (e.DryRun) w.WriteBoolean("dry_run"u8, true);
        if (e.Message is not null) w.WriteString("message"u8, e.Message);
        if (e.Level is not null) w.WriteString("level"u8, e.Level);
        if (e.Previous is not null) w.WriteString("previous"u8, e.Previous);
        if (e.AvailableBytes is long available) w.WriteNumber("available_bytes"u8, available);
        if (e.ReleaseId is long releaseId) w.WriteNumber("id"u8, releaseId);
        if (e.RequestedBytes is long requested) w.WriteNumber("requested_bytes"u8, requested);
        if (e.DomainFreedBytes is long domainFreed) w.WriteNumber("domain_freed_bytes"u8, domainFreed);
        if (e.ReclaimedBytes is long reclaimed) w.WriteNumber("reclaimed_bytes"u8, reclaimed);
        if (e.UsageBeforeBytes is long usageBefore) w.WriteNumber("usage_before_bytes"u8, usageBefore);
        if (e.UsageAfterBytes is long usageAfter) w.WriteNumber("usage_after_bytes"u8, usageAfter);
        if (e.PsiSomeAvg10 is double psi) w.WriteNumber("psi_some_avg10"u8, Math.Round(psi, 2));
        if (e.DurationMs is double durationMs) w.WriteNumber("duration_ms"u8, Math.Round(durationMs, 1));
        if (e.Sha256 is not null) w.WriteString("sha256"u8, e.Sha256);
        w.WriteEndObject();
    }

    public void Dispose() => _file.Dispose();
}
