using System.Buffers;
using System.Globalization;
using System.Text.Json;
using OomWarden.Core.Engine;
using OomWarden.Core.Levels;

namespace OomWarden.Daemon.Notify;

/// <summary>The own socket's messages, one JSON object per line (field names are a contract, see docs/NOTIFY.md).
/// Encoding allocates; it happens per event, never per tick.</summary>
public static class NotifyJson
{
    public static byte[] Level(WatchedDomain d, WarningLevel level, WarningLevel previous, DateTimeOffset time, long availableBytes, bool repeat, bool current)
        => Write(w =>
        {
            w.WriteString("event"u8, "level"u8);
            w.WriteString("domain"u8, d.Name);
            w.WriteString("level"u8, LevelMachine.Name(level));
            w.WriteString("previous"u8, LevelMachine.Name(previous));
            w.WriteString("time"u8, Time(time));
            w.WriteNumber("available_bytes"u8, availableBytes);
            if (repeat) w.WriteBoolean("repeat"u8, true);
            if (current) w.WriteBoolean("current"u8, true);
        });

    public static byte[] Release(ReleaseRequest r) => Write(w =>
    {
        w.WriteString("event"u8, "release"u8);
        w.WriteNumber("id"u8, r.Id);
        w.WriteString("domain"u8, r.Domain.Name);
        w.WriteNumber("target_bytes"u8, r.TargetBytes);
        w.WriteNumber("deadline_ms"u8, (long)r.Grace.TotalMilliseconds);
    });

    public static byte[] Kill(KillInFlight k, DateTimeOffset time, long? freedBytes, bool dryRun) => Write(w =>
    {
        w.WriteString("event"u8, "kill"u8);
        w.WriteString("time"u8, Time(time));
        w.WriteString("domain"u8, k.Domain.Name);
        if (!k.WholeCgroup)
        {
            w.WriteNumber("pid"u8, k.Pid);
            w.WriteString("comm"u8, k.Comm);
        }
        w.WriteString("cgroup"u8, k.CgroupPath);
        w.WriteString("victim"u8, k.WholeCgroup ? "cgroup"u8 : "process"u8);
        if (freedBytes is long f) w.WriteNumber("freed_bytes"u8, f);
        if (k.Result is not null) w.WriteString("result"u8, k.Result);
        if (dryRun) w.WriteBoolean("dry_run"u8, true);
    });

    public static byte[] KernelKill(KernelKill k) => Write(w =>
    {
        w.WriteString("event"u8, "kernel_kill"u8);
        w.WriteString("time"u8, Time(k.Time));
        w.WriteString("domain"u8, k.Domain);
        if (k.Pid is int pid) w.WriteNumber("pid"u8, pid);
        if (k.Comm is not null) w.WriteString("comm"u8, k.Comm);
        if (k.Cgroup is not null) w.WriteString("cgroup"u8, k.Cgroup);
    });

    public static byte[] Subscribed(IReadOnlyList<string> domains) => Write(w =>
    {
        w.WriteString("event"u8, "subscribed"u8);
        w.WriteStartArray("domains"u8);
        foreach (var d in domains) w.WriteStringValue(d);
        w.WriteEndArray();
    });

    public static byte[] Error(string message) => Write(w =>
    {
        w.WriteString("event"u8, "error"u8);
        w.WriteString("message"u8, message);
    });

    private static string Time(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private static byte[] Write(Action<Utf8JsonWriter> body)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            body(w);
            w.WriteEndObject();
        }
        buffer.Write("\n"u8);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>A client's line: <c>{"subscribe":{"domains":[...]}}</c> or <c>{"event":"released","id":N}</c>.</summary>
    public static bool TryParseRequest(ReadOnlySpan<byte> line, out List<string>? subscribe, out long? releasedId, out string? error)
    {
        subscribe = null;
        releasedId = null;
        error = null;
        try
        {
            var reader = new Utf8JsonReader(line);
            using var doc = JsonDocument.ParseValue(ref reader);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                error = "a request is a JSON object";
                return false;
            }
            if (root.TryGetProperty("subscribe"u8, out var sub))
            {
                if (sub.ValueKind != JsonValueKind.Object || !sub.TryGetProperty("domains"u8, out var list) || list.ValueKind != JsonValueKind.Array)
                {
                    error = "subscribe: expected {\"subscribe\":{\"domains\":[\"system\", \"/a\"]}}";
                    return false;
                }
                subscribe = [];
                foreach (var e in list.EnumerateArray())
                {
                    if (e.ValueKind != JsonValueKind.String)
                    {
                        error = "subscribe: domains are strings";
                        return false;
                    }
                    subscribe.Add(e.GetString()!);
                }
                return true;
            }
            if (root.TryGetProperty("event"u8, out var ev) && ev.ValueKind == JsonValueKind.String && ev.ValueEquals("released"u8))
            {
                if (!root.TryGetProperty("id"u8, out var id) || !id.TryGetInt64(out long n))
                {
                    error = "released: expected {\"event\":\"released\",\"id\":N}";
                    return false;
                }
                releasedId = n;
                return true;
            }
            error = "unknown request (expected subscribe or released)";
            return false;
        }
        catch (JsonException)
        {
            error = "not JSON";
            return false;
        }
    }
}
