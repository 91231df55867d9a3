using System.Text.Json;
using System.Text.RegularExpressions;
using OomWarden.Core.Snapshot;

namespace OomWarden.Tests.Commands;

/// <summary>docs/SNAPSHOT.md names exactly the fields SnapshotWriter writes (it once said camelCase).</summary>
public partial class SnapshotDocTests
{
    [GeneratedRegex(@"^\| (`[^|]*`) \|", RegexOptions.Multiline)]
    private static partial Regex FieldCell();

    [GeneratedRegex("`([a-z_]+)`")]
    private static partial Regex Name();

    [Fact]
    public void Field_tables_match_the_written_json()
    {
        var doc = new SnapshotDocument
        {
            Hostname = "h",
            Domain = "/a",
            RecorderPid = 7,
            Cgroups =
            [
                new SnapshotCgroup
                {
                    Path = "/",
                    LimitBytes = 1,
                    HighBytes = 1,
                    Processes = [new SnapshotProcess { Pid = 1, Comm = "x", Exe = "/x", Cmdline = "x", User = "u", Exiting = true }],
                },
            ],
        };
        var written = new SortedSet<string>(StringComparer.Ordinal);
        using (var json = JsonDocument.Parse(SnapshotWriter.ToJson(doc))) Collect(json.RootElement, written);

        string text = File.ReadAllText(Golden.Fixture("docs/SNAPSHOT.md")).Replace("\r\n", "\n", StringComparison.Ordinal);
        string fields = text[text.IndexOf("## Fields", StringComparison.Ordinal)..text.IndexOf("## Replaying", StringComparison.Ordinal)];
        var documented = new SortedSet<string>(StringComparer.Ordinal);
        foreach (Match cell in FieldCell().Matches(fields))
            foreach (Match name in Name().Matches(cell.Groups[1].Value)) documented.Add(name.Groups[1].Value);
        // The memory object's fields are listed in its row's meaning.
        string memoryRow = fields.Split('\n').Single(l => l.StartsWith("| `memory`", StringComparison.Ordinal));
        foreach (Match name in Name().Matches(memoryRow)) documented.Add(name.Groups[1].Value);

        Assert.Equal(written, documented);
        Assert.DoesNotContain("camelCase", text, StringComparison.Ordinal);
    }

    private static void Collect(JsonElement e, SortedSet<string> names)
    {
        if (e.ValueKind == JsonValueKind.Object)
        {
            foreach (var p in e.EnumerateObject())
            {
                names.Add(p.Name);
                Collect(p.Value, names);
            }
        }
        else if (e.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in e.EnumerateArray()) Collect(item, names);
        }
    }
}
