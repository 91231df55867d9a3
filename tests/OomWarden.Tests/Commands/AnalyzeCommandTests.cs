using System.IO.Compression;
using System.Text;
using OomWarden.Commands;

namespace OomWarden.Tests.Commands;

/// <summary>The analyze verb end to end: text and JSON against golden files, stdin, gzip, errors and exit codes.</summary>
public class AnalyzeCommandTests
{
    /// <summary>tests/fixtures/oom-reports.</summary>
    internal static readonly string Corpus = FindCorpus();

    private static string FindCorpus()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var c = Path.Combine(dir.FullName, "tests", "fixtures", "oom-reports");
            if (Directory.Exists(c)) return c;
        }
        throw new DirectoryNotFoundException("tests/fixtures/oom-reports");
    }

    private static (int Code, string Out, string Err) Run(string[] args, string stdin = "")
    {
        var o = new StringWriter { NewLine = "\n" };
        var e = new StringWriter { NewLine = "\n" };
        int code = AnalyzeCommand.Run(args, new StringReader(stdin), o, e);
        return (code, o.ToString(), e.ToString());
    }

    public static TheoryData<string> TextGoldens() =>
        new(Directory.EnumerateFiles(Path.Combine(Corpus, "text"), "*.expected.txt").Select(p => Path.GetFileName(p)!.Replace(".expected.txt", ".log", StringComparison.Ordinal)).Order(StringComparer.Ordinal));

    [Theory]
    [MemberData(nameof(TextGoldens))]
    public void Text_output_matches_golden(string log)
    {
        var (code, output, _) = Run([Path.Combine(Corpus, log)]);
        Assert.Equal(0, code);
        string golden = Path.Combine(Corpus, "text", log.Replace(".log", ".expected.txt", StringComparison.Ordinal));
        if (Environment.GetEnvironmentVariable("OOMWARDEN_UPDATE_GOLDEN") == "1") File.WriteAllText(golden, output);
        Assert.Equal(File.ReadAllText(golden), output);
    }

    [Theory]
    [InlineData("k6.1-v2oomgroup.dmesg.log")]
    [InlineData("derived-mixed.several.log")]
    [InlineData("reconstructed-4.15-global.log")]
    public void Json_output_is_the_expected_file(string log)
    {
        var (code, output, err) = Run(["--json", Path.Combine(Corpus, log)]);
        Assert.Equal(0, code);
        Assert.Equal("", err);
        Assert.Equal(File.ReadAllText(Path.Combine(Corpus, log.Replace(".log", ".expected.json", StringComparison.Ordinal))), output);
    }

    [Fact]
    public void Reads_stdin_when_no_file_or_dash()
    {
        string log = File.ReadAllText(Path.Combine(Corpus, "k6.1-v2memcg.dmesg.log"));
        var fromFile = Run(["--json", Path.Combine(Corpus, "k6.1-v2memcg.dmesg.log")]).Out;
        Assert.Equal(fromFile, Run(["--json"], log).Out);
        Assert.Equal(fromFile, Run(["--json", "-"], log).Out);
    }

    [Fact]
    public void Reads_gzip_by_content()
    {
        string src = Path.Combine(Corpus, "k6.1-globaladj.dmesg.log");
        string gz = Path.Combine(Path.GetTempPath(), $"oomwarden-analyze-{Guid.NewGuid():N}.log.gz");
        try
        {
            using (var f = File.Create(gz))
            using (var z = new GZipStream(f, CompressionLevel.Fastest))
                z.Write(File.ReadAllBytes(src));
            Assert.Equal(Run(["--json", src]).Out, Run(["--json", gz]).Out);
        }
        finally
        {
            File.Delete(gz);
        }
    }

    private static string Gzip(string src, Func<byte[], byte[]> damage)
    {
        string gz = Path.Combine(Path.GetTempPath(), $"oomwarden-analyze-{Guid.NewGuid():N}.log.gz");
        var ms = new MemoryStream();
        using (var z = new GZipStream(ms, CompressionLevel.Fastest, leaveOpen: true))
            z.Write(File.ReadAllBytes(src));
        File.WriteAllBytes(gz, damage(ms.ToArray()));
        return gz;
    }

    [Theory]
    [InlineData(4)]    // the trailer's size cut off
    [InlineData(500)]  // cut inside the compressed text
    public void A_truncated_gzip_is_exit_74_after_what_was_read(int cutBytes)
    {
        string src = Path.Combine(Corpus, "derived-mixed.several.log");
        string gz = Gzip(src, b => b.AsSpan(0, b.Length - cutBytes).ToArray());
        try
        {
            var (code, output, err) = Run(["--json", gz]);
            Assert.Equal(74, code);
            Assert.Contains("truncated gzip", err);
            Assert.Contains(gz, err);
            Assert.DoesNotContain("   at ", err);
            // the reports before the cut are printed, and they are those of the whole file, in order
            var want = Run(["--json", src]).Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            var got = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.NotEmpty(got);
            Assert.True(got.Length <= want.Length);
            Assert.Equal(want[0][..40], got[0][..40]);
        }
        finally
        {
            File.Delete(gz);
        }
    }

    [Fact]
    public void Damaged_gzip_data_is_exit_74()
    {
        string gz = Gzip(Path.Combine(Corpus, "k6.1-global.dmesg.log"), b =>
        {
            for (int i = 20; i < 60; i++) b[i] ^= 0x5a;
            return b;
        });
        try
        {
            var (code, _, err) = Run(["--json", gz]);
            Assert.Equal(74, code);
            Assert.Contains("gzip", err);
            Assert.DoesNotContain("   at ", err);
        }
        finally
        {
            File.Delete(gz);
        }
    }

    [Fact]
    public void Two_gzip_members_are_read_whole()
    {
        string a = Path.Combine(Corpus, "k6.18-memcg-v1.dmesg.log"), b = Path.Combine(Corpus, "k6.1-cpuset.dmesg.log");
        string gz = Gzip(a, x => x);
        string gz2 = Gzip(b, x => x);
        try
        {
            File.WriteAllBytes(gz, [.. File.ReadAllBytes(gz), .. File.ReadAllBytes(gz2)]);
            var (code, output, err) = Run(["--json", gz]);
            Assert.Equal(0, code);
            Assert.Equal("", err);
            Assert.Equal(2, output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        }
        finally
        {
            File.Delete(gz);
            File.Delete(gz2);
        }
    }

    [Fact]
    public void Several_files_are_read_in_order()
    {
        string a = Path.Combine(Corpus, "k6.18-memcg-v1.dmesg.log"), b = Path.Combine(Corpus, "k6.1-cpuset.dmesg.log");
        Assert.Equal(Run(["--json", a]).Out + Run(["--json", b]).Out, Run(["--json", a, b]).Out);
    }

    [Fact]
    public void A_missing_file_is_exit_66_naming_the_path()
    {
        var (code, output, err) = Run([Path.Combine(Corpus, "k6.1-global.dmesg.log"), "/no/such/file.log"]);
        Assert.Equal(66, code);
        Assert.Equal("", output); // checked before anything is read
        Assert.Contains("/no/such/file.log", err);
        Assert.DoesNotContain("   at ", err);
    }

    [Theory]
    [InlineData("--bogus")]
    [InlineData("--kmsg")]
    public void Usage_errors_are_exit_64(string arg)
    {
        var (code, _, err) = Run([arg]);
        Assert.Equal(64, code);
        Assert.Contains("usage:", err);
    }

    [Fact]
    public void Follow_takes_no_file()
    {
        Assert.Equal(64, Run(["--follow", "x.log"]).Code);
    }

    [Fact]
    public void Follow_on_a_missing_device_is_exit_66()
    {
        var (code, _, err) = Run(["--follow", "--kmsg", "/no/such/kmsg"]);
        Assert.Equal(66, code);
        Assert.Contains("/no/such/kmsg", err);
    }

    [Fact]
    public void Help_is_exit_0()
    {
        var (code, output, _) = Run(["--help"]);
        Assert.Equal(0, code);
        Assert.Contains("--json", output);
        Assert.Contains("--follow", output);
    }

    [Fact]
    public void No_event_says_so_on_stderr()
    {
        var (code, output, err) = Run([], "[    1.0] nothing to see\nhello\n");
        Assert.Equal(0, code);
        Assert.Equal("", output);
        Assert.Contains("no OOM event", err);
    }

    private sealed class ClosedPipeWriter : StringWriter
    {
        public override void Write(char value) => throw new IOException("Broken pipe");
        public override void Write(string? value) => throw new IOException("Broken pipe");
        public override void WriteLine(string? value) => throw new IOException("Broken pipe");
    }

    [Fact]
    public void A_closed_output_stops_quietly()
    {
        var err = new StringWriter();
        int code = AnalyzeCommand.Run([Path.Combine(Corpus, "k6.1-globaladj.dmesg.log")], new StringReader(""), new ClosedPipeWriter(), err);
        Assert.Equal(0, code);
        Assert.Equal("", err.ToString());
    }

    [Fact]
    public void Binary_garbage_is_not_an_error()
    {
        var rnd = new Random(3);
        var sb = new StringBuilder();
        for (int i = 0; i < 20000; i++) sb.Append((char)rnd.Next(1, 0xD7FF));
        Assert.Equal(0, Run([], sb.ToString()).Code);
    }
}

/// <summary>analyze's restart-loop section (issue 11): the daemon's detector over one input's kills.</summary>
public class AnalyzeRestartLoopTests
{
    private static string Fixture(string name) => Golden.Fixture("tests/fixtures/oom-reports/" + name);

    private static (int Code, string Out) Run(params string[] args)
    {
        var o = new StringWriter { NewLine = "\n" };
        int code = AnalyzeCommand.Run(args, new StringReader(""), o, new StringWriter());
        return (code, o.ToString());
    }

    [Fact]
    public void A_service_killed_three_times_is_listed_with_its_unit_in_text_and_json()
    {
        var (code, text) = Run(Fixture("k6.1-v2restart.dmesg.log"));
        Assert.Equal(0, code);
        Assert.Contains("restart loops (3 or more kills of one unit, cgroup or executable within 10 min):\n"
            + "  unit myservice.service (cgroup /svc.slice/myservice.service): 3 kills between 3.5 s and 6.3 s of uptime, at most 3 within 10 min; "
            + "pids 137 (myservice), 139 (myservice), 141 (myservice); restarted by systemd unit myservice.service\n", text);

        var (_, json) = Run("--json", Fixture("k6.1-v2restart.dmesg.log"));
        var lines = json.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(4, lines.Length); // three events, then the section
        using var doc = System.Text.Json.JsonDocument.Parse(lines[^1]);
        var loop = Assert.Single(doc.RootElement.GetProperty("restart_loops").EnumerateArray().ToList());
        Assert.Equal("unit", loop.GetProperty("key").GetString());
        Assert.Equal("myservice.service", loop.GetProperty("unit").GetString());
        Assert.Equal(3, loop.GetProperty("kills").GetInt32());
        Assert.Equal([137, 139, 141], loop.GetProperty("victims").EnumerateArray().Select(v => v.GetProperty("pid").GetInt32()));
    }

    [Fact]
    public void One_kill_and_kills_of_different_cgroups_make_no_section()
    {
        var (_, text) = Run(Fixture("k6.18-memcg-v1.kmsg.log")); // one kill in /kl-test-a, two in /kl-test-multi
        Assert.DoesNotContain("restart loops", text);
        var (_, json) = Run("--json", Fixture("k6.18-memcg-v1.kmsg.log"));
        Assert.DoesNotContain("restart_loops", json);
    }
}
