using System.Globalization;
using System.Text;
using System.Text.Json;
using OomWarden.Commands;

namespace OomWarden.Tests.Commands;

/// <summary>explain and simulate on input that used to crash or lie (issue 8): kernel numbers near 2^63, an
/// unparsable oom_score_adj, a zero page size, escape sequences in names, 10^5 processes.</summary>
public sealed class HostileInputTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "oomwarden-hostile-" + Guid.NewGuid().ToString("N")[..8]);

    public HostileInputTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static (int Code, string Out, string Err) Simulate(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = SimulateCommand.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    private string Write(string json)
    {
        string path = Path.Combine(_dir, Guid.NewGuid().ToString("N")[..6] + ".json");
        File.WriteAllText(path, json);
        return path;
    }

    private static string Snapshot(string cgroups, string extra = "") => $$"""
        {"format":"oomwarden-snapshot","version":1,"page_size_bytes":4096{{extra}},
         "memory":{"mem_total_bytes":17179869184,"swap_total_bytes":0},
         "cgroups":[{{cgroups}}]}
        """;

    [Fact]
    public void Explain_on_huge_kernel_numbers_saturates_and_protects_unparsable_adj()
    {
        string fixture = Golden.Fixture("tests/fixtures/huge-values");
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = ExplainCommand.Run(["--proc-root", Path.Combine(fixture, "proc"), "--sys-root", Path.Combine(fixture, "sys"),
            "--domain", "/limited"], stdout, stderr);
        Assert.True(code == 0, stderr.ToString());
        string text = stdout.ToString();
        // VmRSS + VmSwap + VmPTE of 2^62 each: the largest footprint there is, not long.MinValue.
        Assert.Contains("victim: hog (400) in /limited", text, StringComparison.Ordinal);
        Assert.Contains("footprint 8.0EiB", text, StringComparison.Ordinal);
        Assert.Matches(@"pid 401 adj-garbage .*\(protected: oom_score_adj unreadable\)", text);
        Assert.Matches(@"pid 402 adj-range .*\(protected: oom_score_adj unreadable\)", text);
    }

    [Fact]
    public void Simulate_on_huge_sizes_does_not_crash()
    {
        string path = Write(Snapshot($$"""
            {"path":"/","usage_bytes":9223372036854775807,"inactive_file_bytes":-9223372036854775808,"processes":[
              {"pid":10,"comm":"hog","rss_bytes":9223372036854775807,"swap_bytes":9223372036854775807,"page_tables_bytes":9223372036854775807},
              {"pid":11,"comm":"neg","rss_bytes":-9223372036854775808,"swap_bytes":-1}]}
            """).Replace("17179869184", "9223372036854775807", StringComparison.Ordinal).Replace("\"swap_total_bytes\":0", "\"swap_total_bytes\":9223372036854775807", StringComparison.Ordinal));
        foreach (var json in (bool[])[false, true])
        {
            var (code, output, error) = Simulate(json ? ["--json", path] : [path]);
            Assert.True(code == 0, error);
            Assert.Contains(json ? "\"pid\": 10" : "victim: hog (10)", output, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-4096)]
    [InlineData(4000)]
    public void A_page_size_that_is_not_a_positive_power_of_two_is_bad_input(long pageSize)
    {
        string path = Write(Snapshot("""{"path":"/","processes":[{"pid":10,"comm":"x","rss_bytes":4096}]}""")
            .Replace("\"page_size_bytes\":4096", "\"page_size_bytes\":" + pageSize.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal));
        var (code, output, error) = Simulate(path);
        Assert.Equal(ExitCodes.DataError, code);
        Assert.Equal("", output);
        Assert.Contains($"page_size_bytes must be a positive power of two (4096 on most machines), not {pageSize}", error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_null_oom_score_adj_is_protected_and_an_absent_one_is_0()
    {
        string path = Write(Snapshot("""
            {"path":"/","processes":[
              {"pid":10,"comm":"unknown-adj","rss_bytes":900000000,"oom_score_adj":null},
              {"pid":11,"comm":"no-adj-key","rss_bytes":1000}]}
            """));
        var (code, output, error) = Simulate(path);
        Assert.True(code == 0, error);
        Assert.Matches(@"pid 10 unknown-adj .*\(protected: oom_score_adj unreadable\)", output);
        Assert.Contains("victim: no-adj-key (11)", output, StringComparison.Ordinal);
    }

    [Fact]
    public void An_oom_score_adj_out_of_range_is_bad_input()
    {
        string path = Write(Snapshot("""{"path":"/","processes":[{"pid":10,"comm":"x","oom_score_adj":5000}]}"""));
        var (code, _, error) = Simulate(path);
        Assert.Equal(ExitCodes.DataError, code);
        Assert.Contains("pid 10: oom_score_adj 5000 is outside -1000..1000", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Simulate_protects_the_recorder_by_pid_and_no_process_by_its_name()
    {
        string path = Write(Snapshot("""
            {"path":"/","processes":[
              {"pid":10,"comm":"oomwarden","rss_bytes":900000000},
              {"pid":11,"comm":"oomwarden","rss_bytes":800000000},
              {"pid":12,"comm":"other","rss_bytes":1000}]}
            """, ",\"recorder_pid\":10"));
        var (code, output, error) = Simulate(path);
        Assert.True(code == 0, error);
        Assert.Matches(@"pid 10 oomwarden .*\(protected: oomwarden itself\)", output);
        Assert.Contains("victim: oomwarden (11)", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Text_output_escapes_control_characters_and_escape_sequences()
    {
        string path = Write(Snapshot("""
            {"path":"/"},
            {"path":"/evil\u001b[2J\r.scope","usage_bytes":100,"processes":[
              {"pid":10,"comm":"\u001b]0;pwned\u0007x\ny","rss_bytes":100000,"cmdline":"a\u001b[31mb"},
              {"pid":11,"comm":"rtl\u202etxt.exe\u009b","rss_bytes":10}]}
            """));
        var (code, output, error) = Simulate(path);
        Assert.True(code == 0, error);
        Assert.DoesNotContain(output, c => c is '\u001b' or '\r' or '\u0007' or '\u202e' or '\u009b');
        Assert.Equal(output.Split('\n').Length, output.Split('\n').Count(l => !l.Contains('\r')));
        Assert.Contains("cgroup /evil\\x1b[2J\\r.scope", output, StringComparison.Ordinal);
        Assert.Contains("pid 10 \\x1b]0;pwned\\x07x\\ny", output, StringComparison.Ordinal);
        Assert.Contains("victim: \\x1b]0;pwned\\x07x\\ny (10) in /evil\\x1b[2J\\r.scope", output, StringComparison.Ordinal);
        Assert.Contains("pid 11 rtl\\u202etxt.exe\\u009b", output, StringComparison.Ordinal);
        // One line per row: the newline in the name did not start a line of its own.
        Assert.DoesNotContain(output.Split('\n'), l => l.StartsWith('y'));

        // JSON keeps the exact text.
        var (jcode, json, _) = Simulate("--json", path);
        Assert.Equal(0, jcode);
        using var doc = JsonDocument.Parse(json);
        Assert.Equal("\u001b]0;pwned\u0007x\ny", doc.RootElement.GetProperty("victim").GetProperty("comm").GetString());
    }

    [Fact]
    public void Hundred_thousand_processes_in_one_cgroup_are_all_ranked()
    {
        const int count = 100_000;
        var sb = new StringBuilder();
        sb.Append("""{"format":"oomwarden-snapshot","version":1,"page_size_bytes":4096,"memory":{"mem_total_bytes":1099511627776},"cgroups":[{"path":"/","processes":[""");
        long best = -1;
        int bestPid = 0;
        for (int i = 0; i < count; i++)
        {
            long rss = ((i * 7919L) % 100_003) << 12;
            if (rss > best) { best = rss; bestPid = 10 + i; }
            if (i > 0) sb.Append(',');
            sb.Append(CultureInfo.InvariantCulture, $$"""{"pid":{{10 + i}},"comm":"p{{i}}","oom_score":666,"rss_bytes":{{rss}}}""");
        }
        sb.Append("]}]}");
        string path = Write(sb.ToString());
        var (code, output, error) = Simulate(path);
        Assert.True(code == 0, error);
        var lines = output.Split('\n');
        Assert.Equal(count, lines.Count(l => l.StartsWith("  ", StringComparison.Ordinal) && l.Contains(" pid ", StringComparison.Ordinal)));
        Assert.Contains($"victim: p{bestPid - 10} ({bestPid}) in /", output, StringComparison.Ordinal);
        // Every row carries its own figures (the kernel's oom_score found for each pid).
        Assert.Equal(count, lines.Count(l => l.Contains("oom_score 666", StringComparison.Ordinal)));
    }
}
