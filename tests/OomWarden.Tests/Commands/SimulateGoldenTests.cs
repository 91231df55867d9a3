using OomWarden.Commands;

namespace OomWarden.Tests.Commands;

public class SimulateGoldenTests
{
    private static readonly string Snapshot = Golden.Fixture("tests/fixtures/snapshots/workstation.json");

    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = SimulateCommand.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    [Theory]
    [InlineData("simulate-defaults.txt", null, null, false)]
    [InlineData("simulate-defaults.json", null, null, true)]
    [InlineData("simulate-desktop.txt", "deploy/policies/desktop.toml", null, false)]
    [InlineData("simulate-desktop.json", "deploy/policies/desktop.toml", null, true)]
    [InlineData("simulate-server.txt", "deploy/policies/server.toml", null, false)]
    [InlineData("simulate-server-memcg.txt", "deploy/policies/server.toml", "/batch.slice/job-a.scope", false)]
    [InlineData("simulate-server-memcg.json", "deploy/policies/server.toml", "/batch.slice/job-a.scope", true)]
    [InlineData("simulate-badness.txt", "tests/fixtures/snapshots/configs/badness.toml", null, false)]
    [InlineData("simulate-all-protected.txt", "tests/fixtures/snapshots/configs/protect-everything.toml", null, false)]
    public void MatchesGolden(string golden, string? config, string? domain, bool json)
    {
        var args = new List<string>();
        if (config is not null) args.AddRange(["--config", Golden.Fixture(config)]);
        if (domain is not null) args.AddRange(["--domain", domain]);
        if (json) args.Add("--json");
        args.Add(Snapshot);

        var (code, output, error) = Run([.. args]);
        Assert.True(code == 0, error);
        Assert.Equal("", error);
        Golden.Check(golden, output);
    }

    [Fact]
    public void DesktopPolicyChangesTheVictimFromTheDefault()
    {
        // The golden files pin the text; this pins the point of simulate: a policy change is visible.
        var (_, defaults, _) = Run(Snapshot);
        var (_, desktop, _) = Run("--config", Golden.Fixture("deploy/policies/desktop.toml"), Snapshot);
        string Victim(string text) => text.Split('\n').Single(l => l.StartsWith("victim:", StringComparison.Ordinal));
        Assert.NotEqual(Victim(defaults), Victim(desktop));
    }

    [Fact]
    public void RejectsAnUnknownSnapshotVersion()
    {
        string path = Path.Combine(Path.GetTempPath(), $"oomwarden-v99-{Environment.ProcessId}.json");
        File.WriteAllText(path, File.ReadAllText(Snapshot).Replace("\"version\": 1", "\"version\": 99", StringComparison.Ordinal));
        try
        {
            var (code, _, error) = Run(path);
            Assert.Equal(ExitCodes.DataError, code);
            Assert.Contains("snapshot version 99 is not supported (this oomwarden reads version 1)", error, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void BadConfigExits78WithFileLineColumn()
    {
        string path = Path.Combine(Path.GetTempPath(), $"oomwarden-bad-{Environment.ProcessId}.toml");
        File.WriteAllText(path, "[[rule]]\ncomm = \"x\"\npriority = \"low\"\n");
        try
        {
            var (code, _, error) = Run("--config", path, Snapshot);
            Assert.Equal(ExitCodes.Config, code);
            Assert.StartsWith($"{path}:3:1: 'priority' must be an integer", error, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData(ExitCodes.Usage)]
    public void MissingSnapshotIsAUsageError(int expected)
    {
        var (code, _, error) = Run("--json");
        Assert.Equal(expected, code);
        Assert.Contains("usage:", error, StringComparison.Ordinal);
    }

    [Fact]
    public void UnknownDomainIsADataError()
    {
        var (code, _, error) = Run("--domain", "/nope", Snapshot);
        Assert.Equal(ExitCodes.DataError, code);
        Assert.Contains("has no cgroup /nope", error, StringComparison.Ordinal);
    }

    [Fact]
    public void UnreadableSnapshotIsNoInput()
    {
        var (code, _, _) = Run("/nonexistent/snap.json");
        Assert.Equal(ExitCodes.NoInput, code);
    }
}
