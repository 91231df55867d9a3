using System.Text;
using System.Text.Json.Nodes;
using OomWarden.KernelLog.Output;
using OomWarden.KernelLog.Parsing;

namespace OomWarden.KernelLog.Tests;

/// <summary>
/// Every fixture log against its <c>.expected.json</c> (one JSON object per event per line), field by field.
/// Set OOMWARDEN_UPDATE_GOLDEN=1 to rewrite the expected files (then review the diff by hand).
/// </summary>
public class GoldenTests
{
    public static TheoryData<string> Logs() => new(Fixtures.LogNames());

    [Theory]
    [MemberData(nameof(Logs))]
    public void Fixture_matches_expected_json(string log)
    {
        using var stream = File.OpenRead(Fixtures.PathOf(log));
        var reports = OomLogReader.ReadAll(stream);
        var actual = reports.Select(OomReportJson.ToJsonLine).ToList();
        string expectedPath = Fixtures.PathOf(Path.ChangeExtension(log, null) + ".expected.json");

        if (Environment.GetEnvironmentVariable("OOMWARDEN_UPDATE_GOLDEN") == "1")
        {
            File.WriteAllText(expectedPath, string.Concat(actual.Select(l => l + "\n")), new UTF8Encoding(false));
            return;
        }

        Assert.True(File.Exists(expectedPath), $"missing {expectedPath}");
        var expected = File.ReadAllLines(expectedPath).Where(l => l.Length > 0).ToList();
        Assert.Equal(expected.Count, actual.Count);
        for (int i = 0; i < expected.Count; i++)
        {
            var want = JsonNode.Parse(expected[i])!.AsObject();
            var got = JsonNode.Parse(actual[i])!.AsObject();
            var diffs = new List<string>();
            foreach (var (key, value) in want)
                if (!JsonNode.DeepEquals(value, got[key]))
                    diffs.Add($"{key}: expected {value?.ToJsonString() ?? "null"}, got {got[key]?.ToJsonString() ?? "null"}");
            foreach (var (key, _) in got)
                if (!want.ContainsKey(key)) diffs.Add($"{key}: not in the expected file");
            Assert.True(diffs.Count == 0, $"{log} event {i + 1}:\n  " + string.Join("\n  ", diffs));
        }
    }

    [Fact]
    public void Every_log_has_an_expected_file_and_is_listed_in_the_readme()
    {
        string readme = File.ReadAllText(Fixtures.PathOf("README.md"));
        foreach (var log in Fixtures.LogNames())
        {
            Assert.True(File.Exists(Fixtures.PathOf(Path.ChangeExtension(log, null) + ".expected.json")), log);
            Assert.Contains(log, readme);
        }
    }
}
