using OomWarden.Commands;

namespace OomWarden.Tests;

public sealed class CliTests
{
    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        int code = Cli.Run(args, new StringReader(""), o, e);
        return (code, o.ToString(), e.ToString());
    }

    private static readonly string Snapshot = Golden.Fixture("tests/fixtures/snapshots/workstation.json");
    private static readonly string ServerPolicy = Golden.Fixture("deploy/policies/server.toml");

    /// <summary>What a NativeAOT binary prints when it shows an exception's Message: a .NET resource key.</summary>
    private static void AssertNoResourceKey(string text)
    {
        Assert.DoesNotContain("IO_", text, StringComparison.Ordinal);
        Assert.DoesNotContain("_FileName", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", text, StringComparison.Ordinal);
    }

    [Fact]
    public void No_verb_prints_usage_and_exits_64()
    {
        var (code, _, err) = Run();
        Assert.Equal(64, code);
        Assert.Contains("usage: oomwarden VERB", err);
        Assert.Contains("run", err);
    }

    [Fact]
    public void Unknown_verb_is_named()
    {
        var (code, _, err) = Run("frobnicate");
        Assert.Equal(64, code);
        Assert.Contains("unknown verb 'frobnicate'", err);
    }

    [Fact]
    public void Run_rejects_unknown_options_before_touching_the_host()
    {
        var (code, _, err) = Run("run", "--dry-rn");
        Assert.Equal(64, code);
        Assert.StartsWith("oomwarden run: unknown option --dry-rn; did you mean --dry-run?\n", err, StringComparison.Ordinal);
    }

    /// <summary>Every verb goes through the one parser: an unknown option is a usage error, with its name.</summary>
    [Theory]
    [InlineData("run")]
    [InlineData("check-config")]
    [InlineData("explain")]
    [InlineData("snapshot")]
    [InlineData("simulate")]
    [InlineData("analyze")]
    [InlineData("bench")]
    [InlineData("version")]
    public void Every_verb_rejects_an_unknown_option_with_64(string verb)
    {
        var (code, output, err) = Run(verb, "--bogus-option");
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Equal("", output);
        Assert.StartsWith($"oomwarden {verb}: unknown option --bogus-option\n", err, StringComparison.Ordinal);
        Assert.Contains("usage: oomwarden " + verb, err, StringComparison.Ordinal);
    }

    /// <summary>Boolean flags take no value: "--dry-run=no" used to mean dry-run, "--json=false" printed JSON.</summary>
    [Theory]
    [InlineData("run", "--dry-run=yes")]
    [InlineData("run", "--dry-run=no")]
    [InlineData("run", "--no-mlock=true")]
    [InlineData("explain", "--json=false")]
    [InlineData("simulate", "--json=true")]
    [InlineData("analyze", "--json=1")]
    [InlineData("analyze", "--follow=no")]
    [InlineData("check-config", "--help=x")]
    public void A_flag_given_a_value_is_a_usage_error(string verb, string option)
    {
        var (code, output, err) = Run(verb, option);
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Equal("", output);
        string name = option[..option.IndexOf('=')];
        Assert.StartsWith($"oomwarden {verb}: option {name} takes no value (write {name} alone)\n", err, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("explain", "--config")]
    [InlineData("explain", "--config=")]
    [InlineData("snapshot", "-o")]
    [InlineData("simulate", "--domain")]
    [InlineData("analyze", "--kmsg")]
    [InlineData("bench", "--iterations")]
    [InlineData("run", "--events")]
    public void A_value_option_without_a_value_is_a_usage_error(string verb, string option)
    {
        var (code, _, err) = Run(verb, option);
        Assert.Equal(ExitCodes.Usage, code);
        Assert.StartsWith($"oomwarden {verb}: option {option.TrimEnd('=')}", err, StringComparison.Ordinal);
        Assert.Contains("needs a value", err.Split('\n')[0], StringComparison.Ordinal);
    }

    [Fact]
    public void Run_user_root_must_be_absolute()
    {
        var (code, _, err) = Run("run", "--run-user-root", "run/user", "--dry-run");
        Assert.Equal(ExitCodes.Usage, code);
        Assert.StartsWith("oomwarden run: --run-user-root 'run/user' is not an absolute path", err, StringComparison.Ordinal);
    }

    [Fact]
    public void A_forgotten_value_is_not_taken_from_the_next_option()
    {
        var (code, _, err) = Run("run", "--config", "--dry-run");
        Assert.Equal(ExitCodes.Usage, code);
        Assert.StartsWith("oomwarden run: option --config needs a value\n", err, StringComparison.Ordinal);
    }

    [Fact]
    public void An_option_given_twice_is_a_usage_error()
    {
        var (code, _, err) = Run("simulate", "--config", ServerPolicy, "-c", ServerPolicy, Snapshot);
        Assert.Equal(ExitCodes.Usage, code);
        Assert.StartsWith("oomwarden simulate: option -c (--config) given twice\n", err, StringComparison.Ordinal);
    }

    /// <summary>simulate had its own parser that refused "--config=FILE": both forms give the same result now.</summary>
    [Fact]
    public void Simulate_takes_both_option_forms()
    {
        var separate = Run("simulate", "--config", ServerPolicy, "--domain", "/batch.slice/job-a.scope", "--json", Snapshot);
        var joined = Run("simulate", $"--config={ServerPolicy}", "--domain=/batch.slice/job-a.scope", "--json", Snapshot);
        var shortForm = Run("simulate", "-c", ServerPolicy, "--json", "--domain", "/batch.slice/job-a.scope", "--", Snapshot);
        Assert.True(separate.Code == 0, separate.Err);
        Assert.Equal(separate, joined);
        Assert.Equal(separate, shortForm);
        Assert.StartsWith("{", separate.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_config_takes_the_file_as_an_option_or_an_argument()
    {
        var positional = Run("check-config", ServerPolicy);
        var joined = Run("check-config", "--config=" + ServerPolicy);
        var separate = Run("check-config", "-c", ServerPolicy);
        Assert.Equal(0, positional.Code);
        Assert.Equal(positional, joined);
        Assert.Equal(positional, separate);
        var both = Run("check-config", "--config", ServerPolicy, ServerPolicy);
        Assert.Equal(ExitCodes.Usage, both.Code);
    }

    [Fact]
    public void Help_is_printed_by_every_verb_with_exit_0()
    {
        foreach (var verb in (string[])["run", "check-config", "explain", "snapshot", "simulate", "analyze", "bench", "version"])
        {
            var (code, output, err) = Run(verb, "--help");
            Assert.True(code == 0, verb + ": " + err);
            Assert.Contains("usage: oomwarden " + verb, output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Run_refuses_a_bad_config_with_exit_78_and_file_line()
    {
        string path = Path.Combine(Path.GetTempPath(), $"oomwarden-bad-{Guid.NewGuid():N}.toml");
        File.WriteAllText(path, "[system]\nmem_available_term = \"10 parsecs\"\n");
        try
        {
            var (code, _, err) = Run("run", "--config", path, "--dry-run");
            Assert.Equal(78, code);
            Assert.Contains($"{path}:2:", err);
            Assert.Contains("not starting", err);
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>README: 66 when an input is missing; the reason in the C library's words, not a .NET resource key.</summary>
    [Theory]
    [InlineData("run", "--config")]
    [InlineData("check-config", null)]
    [InlineData("explain", "--config")]
    [InlineData("simulate", "--config")]
    public void A_missing_config_file_exits_66_with_strerror(string verb, string? option)
    {
        var args = new List<string> { verb };
        if (option is not null) args.Add(option);
        args.Add("/nonexistent/oomwarden.toml");
        if (verb == "simulate") args.Add(Snapshot);
        var (code, _, err) = Run([.. args]);
        Assert.Equal(ExitCodes.NoInput, code);
        Assert.Equal("/nonexistent/oomwarden.toml: cannot read the file: No such file or directory\n", err);
    }

    [Fact]
    public void A_directory_as_config_exits_66()
    {
        var (code, _, err) = Run("check-config", Path.GetTempPath());
        Assert.Equal(ExitCodes.NoInput, code);
        Assert.EndsWith(": cannot read the file: Is a directory\n", err, StringComparison.Ordinal);
    }

    /// <summary>An input that opens but fails to read is EX_IOERR (74): /proc/self/mem at offset 0 answers EIO.</summary>
    [Fact]
    public void A_read_error_exits_74()
    {
        var (code, _, err) = Run("check-config", "/proc/self/mem");
        Assert.Equal(ExitCodes.IoError, code);
        Assert.Equal("/proc/self/mem: cannot read the file: Input/output error\n", err);
    }

    [Fact]
    public void A_missing_snapshot_exits_66()
    {
        var (code, _, err) = Run("simulate", "/nonexistent/snapshot.json");
        Assert.Equal(ExitCodes.NoInput, code);
        Assert.Equal("oomwarden simulate: cannot read /nonexistent/snapshot.json: No such file or directory\n", err);
    }

    /// <summary>README: 73 when the output cannot be written.</summary>
    [Fact]
    public void An_unwritable_snapshot_output_exits_73()
    {
        string fixture = FixtureTree.SourceDir("kernel-6.18-hybrid");
        var (code, _, err) = Run("snapshot", "-o", "/nonexistent/x", "--proc-root", Path.Combine(fixture, "proc"), "--sys-root", Path.Combine(fixture, "sys"));
        Assert.Equal(ExitCodes.CantCreate, code);
        Assert.Equal("oomwarden snapshot: cannot write /nonexistent/x: No such file or directory\n", err);
        AssertNoResourceKey(err);
    }

    /// <summary>A link planted at the old predictable FILE.tmp name is not followed: the snapshot goes through a fresh
    /// O_EXCL name and the link's target is untouched.</summary>
    [Fact]
    public void A_link_planted_at_the_temporary_name_is_not_written_through()
    {
        string fixture = FixtureTree.SourceDir("kernel-6.18-hybrid");
        string dir = Path.Combine(Path.GetTempPath(), "oomwarden-snaplink-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        try
        {
            string target = Path.Combine(dir, "victim-file"), output = Path.Combine(dir, "snap.json");
            File.WriteAllText(target, "precious");
            File.CreateSymbolicLink(output + ".tmp", target);
            var (code, _, err) = Run("snapshot", "-o", output, "--proc-root", Path.Combine(fixture, "proc"), "--sys-root", Path.Combine(fixture, "sys"));
            Assert.True(code == 0, err);
            Assert.Equal("precious", File.ReadAllText(target));
            Assert.Contains("\"format\"", File.ReadAllText(output), StringComparison.Ordinal);
            Assert.Equal(["snap.json", "snap.json.tmp", "victim-file"], Directory.GetFiles(dir).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray());
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void A_config_warning_goes_to_stderr_and_does_not_fail_the_check()
    {
        // 100% of any machine's MemTotal is above 1 MiB: the kill level would come first.
        string path = Path.Combine(Path.GetTempPath(), $"oomwarden-warn-{Guid.NewGuid():N}.toml");
        File.WriteAllText(path, "[system]\nmem_available_term = \"1MiB\"\nmem_available_kill = \"100%\"\n");
        try
        {
            var (code, output, err) = Run("check-config", path);
            Assert.Equal(0, code);
            Assert.StartsWith($"{path}:3:1: warning: mem_available_kill (100% of MemTotal ", err, StringComparison.Ordinal);
            Assert.Contains(": OK", output, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>A 25 KB glob used to exit 70 (NotSupportedException from the regex engine's size limit).</summary>
    [Fact]
    public void A_25_KB_glob_is_a_valid_rule()
    {
        string path = Path.Combine(Path.GetTempPath(), $"oomwarden-glob-{Guid.NewGuid():N}.toml");
        File.WriteAllText(path, "[[rule]]\ncgroup = \"/" + string.Concat(Enumerable.Repeat("a*", 12_500)) + "\"\npriority = 1\n");
        try
        {
            var (code, output, err) = Run("check-config", path);
            Assert.True(code == 0, err);
            Assert.Contains(": OK", output, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData("explain", "nodes:x", "--domain nodes:x: not a NUMA node list (write nodes:1 or nodes:0-1)")]
    [InlineData("snapshot", "batch.slice", "--domain batch.slice: write a cgroup path as /proc/PID/cgroup shows it (starting with /), system, or nodes:LIST")]
    public void A_malformed_domain_is_a_usage_error(string verb, string domain, string message)
    {
        var args = new List<string> { verb, "--domain", domain };
        if (verb == "snapshot") args.AddRange(["-o", "-"]);
        var (code, _, err) = Run([.. args]);
        Assert.Equal(ExitCodes.Usage, code);
        Assert.StartsWith($"oomwarden {verb}: {message}\n", err, StringComparison.Ordinal);
    }

    [Fact]
    public void Version_prints_a_version()
    {
        var (code, output, _) = Run("--version");
        Assert.Equal(0, code);
        Assert.StartsWith("oomwarden ", output);
        Assert.Equal(output, Run("version").Out);
        Assert.Equal(ExitCodes.Usage, Run("version", "extra").Code);
    }
}
