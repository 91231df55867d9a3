using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using OomWarden.Configuration;
using OomWarden.Daemon;

namespace OomWarden.Tests.Commands;

/// <summary>docs/MIGRATING.md cannot drift: its TOML loads, it names every journal field the daemon writes, and its
/// jq recipes run on a journal written by the daemon's own <see cref="EventJournal"/>.</summary>
public sealed partial class MigratingDocTests
{
    [GeneratedRegex("```toml\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex TomlBlock();

    [GeneratedRegex("```sh\n(J=.*?)```", RegexOptions.Singleline)]
    private static partial Regex JqBlock();

    private static string Doc() => File.ReadAllText(Golden.Fixture("docs/MIGRATING.md")).Replace("\r\n", "\n", StringComparison.Ordinal);

    [Fact]
    public void Every_toml_block_loads()
    {
        var blocks = TomlBlock().Matches(Doc());
        Assert.True(blocks.Count >= 2);
        foreach (Match m in blocks)
        {
            var result = ConfigLoader.LoadText(m.Groups[1].Value, "MIGRATING.md");
            Assert.True(result.Success, string.Join("\n", result.Errors) + "\n" + m.Groups[1].Value);
        }
    }

    private static KillEvent[] SampleEvents()
    {
        var t = new DateTimeOffset(2026, 12, 1, 10, 0, 0, TimeSpan.Zero);
        return
        [
            new KillEvent { Event = "start", Time = t, Message = "/etc/oomwarden/oomwarden.toml" },
            new KillEvent
            {
                Event = "kill", Time = t.AddSeconds(5), Pid = 4242, Comm = "hog", Cgroup = "/batch.slice/job.scope", Domain = "/batch.slice",
                Signal = "SIGTERM", Reason = "headroom low", Victim = "process", Rule = "batch", Priority = -100, FootprintBytes = 500 << 20,
                FreedBytes = 480 << 20, ExitMs = 2100.5, DecisionMs = 0.02, Result = "exited", Escalated = true, Message = "m",
            },
            new KillEvent { Event = "kill", Time = t.AddSeconds(9), Pid = 4300, Comm = "chrome", Domain = "system", Rule = "default", DryRun = true, Result = "dry_run" },
            new KillEvent { Event = "kernel_kill", Time = t.AddSeconds(20), Pid = 5000, Comm = "java", Domain = "system", Reason = "CONSTRAINT_NONE" },
            new KillEvent { Event = "stop", Time = t.AddSeconds(30) },
        ];
    }

    [Fact]
    public void The_field_list_names_every_field_the_journal_writes()
    {
        var keys = new SortedSet<string>();
        foreach (var e in SampleEvents())
        {
            using var buffer = new MemoryStream();
            using (var w = new Utf8JsonWriter(buffer)) EventJournal.Write(w, e);
            using var doc = JsonDocument.Parse(buffer.ToArray());
            foreach (var p in doc.RootElement.EnumerateObject()) keys.Add(p.Name);
        }
        string text = Doc();
        int start = text.IndexOf("Fields (from `KillEvent`)", StringComparison.Ordinal);
        Assert.True(start > 0, "MIGRATING.md lost its field list");
        string list = text[start..text.IndexOf("Absent fields", start, StringComparison.Ordinal)];
        foreach (var key in keys) Assert.Contains($"`{key}`", list);
    }

    [Fact]
    public void The_jq_recipes_run_on_a_real_journal()
    {
        if (!File.Exists("/usr/bin/jq")) Assert.Skip("jq is not installed (scripts/deps.sh installs it)");
        string dir = Path.Combine(Path.GetTempPath(), "oomwarden-jq-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        try
        {
            string journalPath = Path.Combine(dir, "events.jsonl");
            using (var journal = EventJournal.TryOpen(journalPath, _ => { }, out string? error) ?? throw new InvalidOperationException(error))
            {
                foreach (var e in SampleEvents()) journal.Append(e, sync: true);
            }
            // The follower loop would wait for new lines forever: read the file once, and echo instead of logger.
            string script = JqBlock().Match(Doc()).Groups[1].Value
                .Replace("J=/var/lib/oomwarden/events.jsonl", "J=" + journalPath, StringComparison.Ordinal)
                .Replace("tail -n0 -F $J", "cat $J", StringComparison.Ordinal)
                .Replace("logger -t oomwarden-hook", "echo hook:", StringComparison.Ordinal);
            Assert.Contains("cat $J", script);
            var psi = new ProcessStartInfo("bash", ["-euo", "pipefail", "-c", script]) { RedirectStandardOutput = true, RedirectStandardError = true };
            using var p = Process.Start(psi)!;
            string output = p.StandardOutput.ReadToEnd();
            string err = p.StandardError.ReadToEnd();
            p.WaitForExit();
            Assert.True(p.ExitCode == 0, err);
            Assert.Equal("", err);
            Assert.Contains("\"freed_bytes\": 503316480", output);      // kills per domain
            Assert.Contains("\"comm\":\"java\"", output);               // kernel kills
            Assert.Contains("\"exit_ms\": 2100.5", output);             // escalated victims
            Assert.Contains("\"rule\": \"default\"", output);           // dry run by rule
            Assert.Contains("hook: killed hog (4242) in /batch.slice", output);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
