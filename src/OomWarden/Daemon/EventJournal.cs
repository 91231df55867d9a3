using System.Buffers;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace OomWarden.Daemon;

/// <summary>Append-only journal, one JSON object per line, fsync'd after every kill so the history
/// survives a crash or the machine going down.</summary>
public sealed class EventJournal : IDisposable
{
    private readonly FileStream? _stream;
    private readonly ArrayBufferWriter<byte> _buffer = new(1024);

    /// <summary>Plain UTF-8 (no \u002B for '+'): the journal is read by people and by jq alike.</summary>
    public static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private EventJournal(FileStream? stream, string path)
    {
        _stream = stream;
        Path = path;
    }

    public string Path { get; }

    /// <summary>Opens (creating the directory if needed) for appending; null with an error message when impossible.</summary>
    public static EventJournal? TryOpen(string path, out string? error)
    {
        try
        {
            string? dir = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path));
            if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
            var fs = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete, 1,
                FileOptions.None);
            error = null;
            return new EventJournal(fs, path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            error = $"cannot open event journal {path}: {e.Message}";
            return null;
        }
    }

    /// <summary>Thread-safe: the daemon's loop and the kernel-kill notifier both append.</summary>
    public void Append(KillEvent e, bool sync)
    {
        if (_stream is null) return;
        lock (_buffer) AppendLocked(e, sync);
    }

    private void AppendLocked(KillEvent e, bool sync)
    {
        _buffer.ResetWrittenCount();
        using (var w = new Utf8JsonWriter(_buffer, WriterOptions))
        {
            Write(w, e);
        }
        _buffer.Write("\n"u8);
        try
        {
            _stream!.Write(_buffer.WrittenSpan);
            _stream.Flush(flushToDisk: sync);
        }
        catch (IOException)
        {
            // A full disk must not stop the daemon; the stderr line remains.
        }
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
        if (e.DryRun) w.WriteBoolean("dry_run"u8, true);
        if (e.Message is not null) w.WriteString("message"u8, e.Message);
        w.WriteEndObject();
    }

    public void Dispose() => _stream?.Dispose();
}
