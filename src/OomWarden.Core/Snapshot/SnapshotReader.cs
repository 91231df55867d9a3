using System.Text.Json;

namespace OomWarden.Core.Snapshot;

/// <summary>Reads a snapshot, checking its format name and version first; never throws on bad input.</summary>
public static class SnapshotReader
{
    public static bool TryRead(ReadOnlySpan<byte> utf8Json, out SnapshotDocument? snapshot, out string error)
    {
        snapshot = null;
        try
        {
            var reader = new Utf8JsonReader(utf8Json, new JsonReaderOptions { AllowTrailingCommas = false, CommentHandling = JsonCommentHandling.Skip });
            if (!JsonDocument.TryParseValue(ref reader, out var header))
            {
                error = "not a JSON document";
                return false;
            }
            using (header)
            {
                if (header.RootElement.ValueKind != JsonValueKind.Object
                    || !header.RootElement.TryGetProperty("format", out var format)
                    || format.ValueKind != JsonValueKind.String
                    || format.GetString() != SnapshotDocument.FormatName)
                {
                    error = $"not an oomwarden snapshot (expected \"format\": \"{SnapshotDocument.FormatName}\")";
                    return false;
                }
                if (!header.RootElement.TryGetProperty("version", out var version)
                    || version.ValueKind != JsonValueKind.Number
                    || !version.TryGetInt32(out int v))
                {
                    error = "snapshot has no \"version\"";
                    return false;
                }
                if (v != SnapshotDocument.CurrentVersion)
                {
                    error = $"snapshot version {v} is not supported (this oomwarden reads version {SnapshotDocument.CurrentVersion})";
                    return false;
                }
            }

            var options = new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip };
            var body = new Utf8JsonReader(utf8Json, options);
            snapshot = JsonSerializer.Deserialize(ref body, SnapshotJsonContext.Default.SnapshotDocument);
            if (snapshot is null)
            {
                error = "empty snapshot";
                return false;
            }
            // "null" in the file for a list or an object reads as null: treat it like an absent key.
            snapshot.Memory ??= new SnapshotMemory();
            snapshot.Cgroups ??= [];
            foreach (var c in snapshot.Cgroups)
            {
                if (c is null)
                {
                    error = "a cgroup entry is null";
                    return false;
                }
                c.Processes ??= [];
                foreach (var p in c.Processes)
                {
                    if (p is null)
                    {
                        error = $"cgroup {c.Path}: a process entry is null";
                        return false;
                    }
                    p.Comm ??= "";
                }
            }
            return Validate(snapshot, out error);
        }
        catch (JsonException ex)
        {
            snapshot = null;
            // Never ex.Message: a resource key such as "ExpectedStartOfValueNotFound, 0xB6 LineNumber: 0 | ..." in the
            // NativeAOT binary. A syntax error carries no JSON path; a value of the wrong type does.
            string where = $"line {ex.LineNumber + 1}, byte {ex.BytePositionInLine + 1}";
            error = utf8Json.Trim(" \t\r\n"u8).IsEmpty
                ? "empty: not a snapshot"
                : ex.Path is { Length: > 0 } path && path != "$"
                    ? $"malformed snapshot at {where}: unexpected value at {path}"
                    : $"malformed snapshot at {where}: not valid JSON";
            return false;
        }
    }

    /// <summary>The page size is a positive power of two; every cgroup but the first has its parent listed before it;
    /// paths are unique; pids are unique; oom_score_adj is within −1000..1000 (or null: unreadable).</summary>
    private static bool Validate(SnapshotDocument snapshot, out string error)
    {
        long page = snapshot.PageSizeBytes;
        if (page <= 0 || (page & (page - 1)) != 0)
        {
            error = $"page_size_bytes must be a positive power of two (4096 on most machines), not {page}";
            return false;
        }
        if (snapshot.Cgroups.Count == 0)
        {
            error = "snapshot has no cgroups";
            return false;
        }
        var seen = new HashSet<string>(snapshot.Cgroups.Count, StringComparer.Ordinal);
        var seenLookup = seen.GetAlternateLookup<ReadOnlySpan<char>>();
        var pids = new HashSet<int>();
        for (int i = 0; i < snapshot.Cgroups.Count; i++)
        {
            var cgroup = snapshot.Cgroups[i];
            if (string.IsNullOrEmpty(cgroup.Path) || cgroup.Path[0] != '/')
            {
                error = $"cgroup #{i + 1}: path \"{cgroup.Path}\" must start with '/'";
                return false;
            }
            if (!seen.Add(cgroup.Path))
            {
                error = $"cgroup {cgroup.Path} is listed twice";
                return false;
            }
            if (i > 0)
            {
                var parent = SnapshotDomainView.ParentPath(cgroup.Path.AsSpan());
                if (!seenLookup.Contains(parent))
                {
                    error = $"cgroup {cgroup.Path} is listed before (or without) its parent {parent}";
                    return false;
                }
            }
            foreach (var p in cgroup.Processes)
            {
                if (!pids.Add(p.Pid))
                {
                    error = $"pid {p.Pid} is listed twice";
                    return false;
                }
                if (p.OomScoreAdj is int adj && (adj < -1000 || adj > 1000))
                {
                    error = $"pid {p.Pid}: oom_score_adj {adj} is outside -1000..1000";
                    return false;
                }
            }
        }
        error = "";
        return true;
    }
}
