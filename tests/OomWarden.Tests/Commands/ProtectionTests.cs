using System.Text.Json;
using OomWarden.Commands;
using OomWarden.Configuration;
using OomWarden.Core.Policy;

namespace OomWarden.Tests.Commands;

/// <summary>Protection a user cannot forge (issue 8): the presets protect root's own binaries (exe + user = 0) and
/// system cgroups, never a name, and explain and simulate apply the same hard protections.
/// Fixture: tests/fixtures/forged-protection (generate.py says what each pid pretends to be).</summary>
public sealed class ProtectionTests : IDisposable
{
    private static readonly string Fixture = Golden.Fixture("tests/fixtures/forged-protection");
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "oomwarden-protect-" + Guid.NewGuid().ToString("N")[..8]);

    public ProtectionTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Config(string text)
    {
        string path = Path.Combine(_dir, "c" + Guid.NewGuid().ToString("N")[..6] + ".toml");
        File.WriteAllText(path, text);
        return path;
    }

    private static string[] Live(params string[] more) =>
        ["--proc-root", Path.Combine(Fixture, "proc"), "--sys-root", Path.Combine(Fixture, "sys"), "--domain", "/linuxhelper-fixture", .. more];

    private static (int Code, string Out, string Err) Explain(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = ExplainCommand.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    private static Dictionary<int, JsonElement> Candidates(string json)
    {
        using var doc = JsonDocument.Parse(json);
        var byPid = new Dictionary<int, JsonElement>();
        foreach (var level in doc.RootElement.GetProperty("levels").EnumerateArray())
            foreach (var c in level.GetProperty("candidates").EnumerateArray())
                if (c.GetProperty("pid").ValueKind == JsonValueKind.Number) byPid[c.GetProperty("pid").GetInt32()] = c.Clone();
        return byPid;
    }

    [Fact]
    public void Server_preset_protects_roots_sshd_by_exe_and_no_process_that_only_looks_like_it()
    {
        var (code, output, error) = Explain(Live("--json", "--config", Config("preset = \"server\"")));
        Assert.True(code == 0, error);
        var c = Candidates(output);

        // The real sshd, as root, and the same after a package upgrade replaced its binary.
        Assert.Equal("server/sshd", c[300].GetProperty("rule").GetString());
        Assert.True(c[300].GetProperty("protected").GetBoolean());
        Assert.True(c[305].GetProperty("protected").GetBoolean());

        // Named sshd by prctl, a copy of the binary, the real binary run by a user (or shown there from a private
        // mount namespace), a zombie whose exe cannot be read, a process named like the daemon: all candidates.
        foreach (int pid in (int[])[301, 302, 303, 304, 307])
        {
            Assert.False(c[pid].GetProperty("protected").GetBoolean(), $"pid {pid} must not be protected");
            Assert.Equal("default", c[pid].GetProperty("rule").GetString());
        }
        using var doc = JsonDocument.Parse(output);
        Assert.Equal(301, doc.RootElement.GetProperty("victim").GetProperty("pid").GetInt32());

        // oom_score_adj "-1000x": unparsable, so possibly -1000: never a candidate.
        Assert.True(c[306].GetProperty("protected").GetBoolean());
        Assert.Equal("protected: oom_score_adj unreadable", c[306].GetProperty("note").GetString());
    }

    [Theory]
    [InlineData("desktop")]
    [InlineData("server")]
    [InlineData("kubernetes")]
    public void No_preset_protects_a_forged_name(string preset)
    {
        var (code, output, error) = Explain(Live("--json", "--config", Config($"preset = \"{preset}\"")));
        Assert.True(code == 0, error);
        var c = Candidates(output);
        foreach (int pid in (int[])[301, 302, 303, 304])
            Assert.False(c[pid].GetProperty("protected").GetBoolean(), $"{preset}: pid {pid} must not be protected");
    }

    [Theory]
    [InlineData("desktop")]
    [InlineData("server")]
    [InlineData("kubernetes")]
    public void Presets_protect_nothing_by_comm_cmdline_or_unit_and_pass_the_audit(string preset)
    {
        var rules = Presets.Rules(preset);
        foreach (var rule in rules.Where(r => r.Effect.Protect == true))
        {
            Assert.Empty(rule.Match.Comm);
            Assert.Empty(rule.Match.Cmdline);
            Assert.Empty(rule.Match.Unit);
            Assert.Null(ProtectionAudit.Why(rule.Match));
            if (rule.Match.Exe.Count > 0) Assert.Contains(rule.Match.User, u => u.Uid == 0);
        }
        Assert.Empty(ProtectionAudit.Warnings(new CompiledPolicy(rules, preset)));
    }

    [Fact]
    public void Check_config_warns_about_forgeable_protections_and_still_exits_0()
    {
        Golden.UseRepoRootAsCurrentDirectory();
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = CheckConfigCommand.Run(["tests/fixtures/snapshots/configs/forgeable.toml"], stdout, stderr);
        Assert.Equal(ExitCodes.Ok, code);
        var lines = stderr.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Length);
        Assert.StartsWith("tests/fixtures/snapshots/configs/forgeable.toml:1: warning: keep-sshd: protect = true matches only on comm/cmdline", lines[0], StringComparison.Ordinal);
        Assert.Contains(":6: warning: keep-postgres: protect = true on unit names", lines[1], StringComparison.Ordinal);
        Assert.Contains(":11: warning: keep-backup: protect = true on exe alone", lines[2], StringComparison.Ordinal);
        Assert.DoesNotContain("keep-root-backup", stderr.ToString(), StringComparison.Ordinal);
        Assert.StartsWith("config tests/fixtures/snapshots/configs/forgeable.toml: OK", stdout.ToString(), StringComparison.Ordinal);

        // docs/POLICY.md shows this very run.
        string doc = File.ReadAllText(Golden.Fixture("docs/POLICY.md")).Replace("\r\n", "\n", StringComparison.Ordinal);
        string shown = stderr.ToString().Replace("tests/fixtures/snapshots/configs/forgeable.toml", "forgeable.toml", StringComparison.Ordinal);
        Assert.Contains("$ oomwarden check-config forgeable.toml 2>&1 >/dev/null\n" + shown + "$ echo $?\n0\n", doc, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_config_of_the_example_policies_warns_about_nothing()
    {
        Golden.UseRepoRootAsCurrentDirectory();
        // bench/latency.toml protects everything but the bench's hog with comm = "**": a catch-all is nothing to forge.
        foreach (var file in Directory.GetFiles(Golden.Fixture("deploy/policies"), "*.toml").Append(Golden.Fixture("bench/latency.toml")))
        {
            var stderr = new StringWriter();
            Assert.Equal(ExitCodes.Ok, CheckConfigCommand.Run([file], new StringWriter(), stderr));
            Assert.Equal("", stderr.ToString());
        }
    }

    [Theory]
    [InlineData("server", false)]
    [InlineData("server", true)]
    [InlineData("desktop", false)]
    public void Explain_and_simulate_of_a_snapshot_of_the_same_state_print_the_same(string preset, bool json)
    {
        string config = Config($"preset = \"{preset}\"");
        string snapshot = Path.Combine(_dir, "snap.json");
        var err = new StringWriter();
        Assert.True(SnapshotCommand.Run(Live("-o", snapshot), new StringWriter(), err) == 0, err.ToString());

        var (code, explained, error) = Explain(Live(json ? ["--json", "--config", config] : ["--config", config]));
        Assert.True(code == 0, error);
        var simulated = new StringWriter();
        var simErr = new StringWriter();
        string[] args = json ? ["--json", "--config", config, snapshot] : ["--config", config, snapshot];
        Assert.True(SimulateCommand.Run(args, simulated, simErr) == 0, simErr.ToString());
        Assert.Equal(explained, simulated.ToString());
    }
}
