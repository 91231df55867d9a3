using System.Text.Json;

namespace OomWarden.Integration.Tests.Infrastructure;

/// <summary>Reads the daemon's JSON lines journal.</summary>
public static class EventLog
{
    public static List<JsonElement> Read(string path)
    {
        var list = new List<JsonElement>();
        if (!File.Exists(path)) return list;
        foreach (var line in File.ReadAllLines(path))
        {
            if (line.Length == 0) continue;
            using var doc = JsonDocument.Parse(line);
            list.Add(doc.RootElement.Clone());
        }
        return list;
    }

    public static List<JsonElement> Kills(string path) =>
        Read(path).Where(e => e.GetProperty("event").GetString() == "kill").ToList();
}
