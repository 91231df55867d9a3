using System.Text.Json;

namespace OomWarden.Core.Snapshot;

/// <summary>Writes the versioned JSON form of a snapshot.</summary>
public static class SnapshotWriter
{
    public static void Write(SnapshotDocument snapshot, Stream utf8Json) =>
        JsonSerializer.Serialize(utf8Json, snapshot, SnapshotJsonContext.Default.SnapshotDocument);

    public static string ToJson(SnapshotDocument snapshot) =>
        JsonSerializer.Serialize(snapshot, SnapshotJsonContext.Default.SnapshotDocument);
}
