using System.Globalization;
using System.Text.Json;
using OomWarden.Core.Engine;
using OomWarden.Core.Policy;

namespace OomWarden.Daemon;

/// <summary>Reads the tail of the journal at start for <c>signal</c> records that no later record closes (a
/// <c>kill</c>, <c>vanished</c> or <c>recovered</c> record with the same <c>signal_id</c>): signals an earlier instance
/// sent and did not see through, because it was killed or the machine went down during the victim's grace.</summary>
public static class JournalRecovery
{
    /// <summary>Only the last MiB is read: a daemon that crashed mid-kill wrote its signal record near the end.</summary>
    public const int TailBytes = 1 << 20;

    /// <summary>Older signals are not finished: their victim has had every chance, and the shortage they answered
    /// is long gone (a new one gets a decision of its own).</summary>
    public static readonly TimeSpan MaxAge = TimeSpan.FromMinutes(10);

    public static IReadOnlyList<RecoveredSignal> ReadUnfinished(string path, DateTimeOffset now)
    {
        byte[] tail;
        try
        {
            using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            long start = Math.Max(0, fs.Length - TailBytes);
            fs.Position = start;
            tail = new byte[fs.Length - start];
            fs.ReadExactly(tail);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
        return Parse(tail, now);
    }

    /// <summary>The unfinished signals among JSON lines (a first partial line and malformed lines are skipped).</summary>
    public static IReadOnlyList<RecoveredSignal> Parse(ReadOnlySpan<byte> lines, DateTimeOffset now)
    {
        var open = new Dictionary<string, RecoveredSignal>(StringComparer.Ordinal);
        var order = new List<string>();
        while (lines.Length > 0)
        {
            int nl = lines.IndexOf((byte)'\n');
            var line = nl < 0 ? lines : lines[..nl];
            lines = nl < 0 ? default : lines[(nl + 1)..];
            if (line.Length == 0 || line[0] != (byte)'{') continue;
            try
            {
                using var doc = JsonDocument.Parse(line.ToArray());
                var e = doc.RootElement;
                if (!e.TryGetProperty("signal_id", out var idElement) || idElement.GetString() is not { } id) continue;
                string? kind = e.TryGetProperty("event", out var ev) ? ev.GetString() : null;
                if (kind == "signal")
                {
                    if (ToSignal(e, id) is { } s)
                    {
                        open[id] = s;
                        order.Add(id);
                    }
                }
                else if (kind != "recovered" || Text(e, "result") != "finishing")
                {
                    open.Remove(id);
                }
            }
            catch (JsonException)
            {
                // A line cut short by a crash or a full disk.
            }
        }
        var result = new List<RecoveredSignal>();
        foreach (var id in order)
            if (open.Remove(id, out var s) && now - s.Time <= MaxAge) result.Add(s);
        return result;
    }

    private static RecoveredSignal? ToSignal(JsonElement e, string id)
    {
        if (!e.TryGetProperty("pid", out var pid) || !pid.TryGetInt32(out int p)) return null;
        if (!e.TryGetProperty("start_time", out var st) || !st.TryGetUInt64(out ulong start)) return null;
        if (Text(e, "domain") is not { } domain || Text(e, "signal") is not { } signal || !Signals.TryParse(signal, out int sig)) return null;
        if (Text(e, "time") is not { } time
            || !DateTimeOffset.TryParse(time, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)) return null;
        return new RecoveredSignal
        {
            SignalId = id,
            Time = at,
            Pid = p,
            StartTimeTicks = start,
            Signal = sig,
            Domain = domain,
            Comm = Text(e, "comm"),
            Cgroup = Text(e, "cgroup"),
            Rule = Text(e, "rule"),
            Reason = Text(e, "reason"),
            FootprintBytes = e.TryGetProperty("footprint_bytes", out var fp) && fp.TryGetInt64(out long f) ? f : null,
            Grace = e.TryGetProperty("grace_ms", out var g) && g.TryGetDouble(out double ms) ? TimeSpan.FromMilliseconds(ms) : null,
        };
    }

    private static string? Text(JsonElement e, string name)
        => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}
