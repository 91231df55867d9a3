using System.Buffers;
using System.Text.Json;
using OomWarden.Core.Engine;
using OomWarden.Linux.IO;

namespace OomWarden.Daemon;

/// <summary>The last kill counters the daemon saw per watched cgroup, kept in <c>kill-counters.json</c> beside the
/// event journal (the state directory) so that a kill made while the daemon was stopped is counted at its next start
/// by difference. Read with O_NOFOLLOW and only as a regular file; written whole and renamed over (<see cref="StateFile"/>).
/// <code>{"format":"oomwarden-kill-counters","version":1,"cgroups":[{"path":"/a","oom_kill_local":1,"oom_kill":1,"oom_group_kill":0}]}</code></summary>
public static class KillCounterState
{
    public const string FileName = "kill-counters.json";
    public const int MaxBytes = 4 << 20;
    private const string Format = "oomwarden-kill-counters";

    /// <summary>The state file's path for a journal at <paramref name="eventsPath"/>.</summary>
    public static string PathFor(string eventsPath) =>
        System.IO.Path.Combine(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(eventsPath)) ?? "/", FileName);

    public static byte[] Serialize(IEnumerable<KeyValuePair<string, CgroupKillCounts>> cgroups)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(buffer, EventJournal.WriterOptions))
        {
            w.WriteStartObject();
            w.WriteString("format"u8, Format);
            w.WriteNumber("version"u8, 1);
            w.WriteStartArray("cgroups"u8);
            foreach (var (path, c) in cgroups)
            {
                w.WriteStartObject();
                w.WriteString("path"u8, path);
                if (c.Local is long l) w.WriteNumber("oom_kill_local"u8, l);
                if (c.Hierarchical is long h) w.WriteNumber("oom_kill"u8, h);
                if (c.GroupKills is long g) w.WriteNumber("oom_group_kill"u8, g);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        buffer.Write("\n"u8);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Parses the file; false with a reason when it is not this format (the daemon then starts from the
    /// current values, as on a first start).</summary>
    public static bool TryParse(ReadOnlySpan<byte> json, out List<KeyValuePair<string, CgroupKillCounts>> cgroups, out string? error)
    {
        cgroups = [];
        error = null;
        try
        {
            var r = new Utf8JsonReader(json);
            if (!r.Read() || r.TokenType != JsonTokenType.StartObject) return Fail("not a JSON object", out error);
            bool formatOk = false, versionOk = false;
            while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
            {
                if (r.ValueTextEquals("format"u8)) { r.Read(); formatOk = r.TokenType == JsonTokenType.String && r.ValueTextEquals(Format); }
                else if (r.ValueTextEquals("version"u8)) { r.Read(); versionOk = r.TokenType == JsonTokenType.Number && r.TryGetInt32(out int v) && v == 1; }
                else if (r.ValueTextEquals("cgroups"u8))
                {
                    r.Read();
                    if (r.TokenType != JsonTokenType.StartArray) return Fail("\"cgroups\" is not an array", out error);
                    while (r.Read() && r.TokenType == JsonTokenType.StartObject)
                    {
                        string? path = null;
                        long? local = null, hier = null, group = null;
                        while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
                        {
                            if (r.ValueTextEquals("path"u8)) { r.Read(); path = r.TokenType == JsonTokenType.String ? r.GetString() : null; }
                            else if (r.ValueTextEquals("oom_kill_local"u8)) { r.Read(); local = Number(ref r); }
                            else if (r.ValueTextEquals("oom_kill"u8)) { r.Read(); hier = Number(ref r); }
                            else if (r.ValueTextEquals("oom_group_kill"u8)) { r.Read(); group = Number(ref r); }
                            else { r.Read(); r.Skip(); }
                        }
                        if (path is not null) cgroups.Add(new(path, new CgroupKillCounts(local, hier, group)));
                    }
                }
                else { r.Read(); r.Skip(); }
            }
            if (!formatOk || !versionOk) return Fail($"not an {Format} version 1 file", out error);
            return true;
        }
        catch (JsonException e)
        {
            return Fail("malformed JSON at byte " + e.BytePositionInLine, out error);
        }
    }

    private static long? Number(ref Utf8JsonReader r) => r.TokenType == JsonTokenType.Number && r.TryGetInt64(out long v) && v >= 0 ? v : null;

    private static bool Fail(string why, out string? error)
    {
        error = why;
        return false;
    }

    /// <summary>Reads the file at <paramref name="path"/>: the saved values, an empty list when there is none yet, or
    /// null with the reason (not a regular file, malformed).</summary>
    public static List<KeyValuePair<string, CgroupKillCounts>>? Load(string path, out string? error)
    {
        if (!StateFile.TryRead(path, MaxBytes, out var content, out bool missing, out error))
            return missing ? [] : null;
        if (!TryParse(content, out var list, out string? why))
        {
            error = $"{path}: {why}";
            return null;
        }
        return list;
    }

    public static bool Save(string path, IEnumerable<KeyValuePair<string, CgroupKillCounts>> cgroups, out string? error)
        => StateFile.TryWrite(path, Serialize(cgroups), out error);
}
