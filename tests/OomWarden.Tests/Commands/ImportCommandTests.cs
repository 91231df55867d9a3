using OomWarden.Commands;

namespace OomWarden.Tests.Commands;

/// <summary><c>oomwarden import earlyoom</c>: the output is fed back to check-config, the daemon's own loader.</summary>
public sealed class ImportCommandTests
{
    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        int code = Cli.Run(args, new StringReader(""), o, e);
        return (code, o.ToString(), e.ToString());
    }

    /// <summary>Writes the TOML to a file and runs check-config on it: the effective settings and rule table.</summary>
    private static string CheckConfig(string toml)
    {
        string path = Path.Combine(Path.GetTempPath(), $"oomwarden-import-{Guid.NewGuid():N}.toml");
        File.WriteAllText(path, toml);
        try
        {
            var (code, output, err) = Run("check-config", path);
            Assert.True(code == 0, $"check-config rejected the import (exit {code}):\n{err}\n{toml}");
            return output.Replace(path, "<file>", StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void A_full_command_line_translates_and_check_config_accepts_it()
    {
        var (code, toml, err) = Run("import", "earlyoom", "-m", "10,5", "-s", "50", "-M", "1048576", "--prefer", "^(chrome|firefox)$",
            "--avoid", "(^|/)(sshd|Xorg)$", "--ignore", "postgres", "-ng", "--ignore-root-user", "--dryrun", "-r", "60");
        Assert.Equal("", err);
        Assert.Equal(0, code);
        Golden.Check("import-earlyoom-full.toml", toml);
        string checkedConfig = CheckConfig(toml);
        // The compiled rules: protections first (first match wins), then the preferences.
        Assert.Matches(@"1\s+earlyoom --ignore-root-user .* user=0 +protect", checkedConfig);
        Assert.Matches(@"2\s+earlyoom --ignore postgres .* comm=\*postgres\* +protect", checkedConfig);
        Assert.Matches(@"3\s+earlyoom --prefer .* comm=chrome\|firefox +priority=-300", checkedConfig);
        Assert.Matches(@"4\s+earlyoom --avoid .* cmdline=/\(\^\|/\)\(sshd\|Xorg\)\$/ +priority=300", checkedConfig);
        Assert.Contains("mem_available_term = \"1GiB\"", checkedConfig);
        Assert.Contains("swap_free_kill = \"25%\"", checkedConfig);
        Assert.Contains("dry_run = true", checkedConfig);
    }

    [Fact]
    public void No_flags_give_earlyoom_s_defaults()
    {
        var (code, toml, _) = Run("import", "earlyoom");
        Assert.Equal(0, code);
        string settings = CheckConfig(toml);
        Assert.Contains("mem_available_term = \"10%\"", settings);
        Assert.Contains("mem_available_kill = \"5%\"", settings);
        Assert.Contains("swap_free_term = \"10%\"", settings);
        Assert.Contains("combine = \"and\"", settings);
    }

    [Theory]
    [InlineData(new[] { "-m", "30" }, "mem_available_term = \"30%\"", "mem_available_kill = \"15%\"")]
    [InlineData(new[] { "-m20,18" }, "mem_available_term = \"20%\"", "mem_available_kill = \"18%\"")]
    [InlineData(new[] { "-m", "2.5" }, "mem_available_term = \"2.5%\"", "mem_available_kill = \"1.25%\"")]
    [InlineData(new[] { "-s", "100" }, "swap_free_term = \"100%\"", "swap_free_kill = \"50%\"")]
    [InlineData(new[] { "-S", "2097152,1048576" }, "swap_free_term = \"2GiB\"", "swap_free_kill = \"1GiB\"")]
    public void Levels_translate_as_earlyoom_reads_them(string[] flags, string term, string kill)
    {
        var (code, toml, err) = Run(["import", "earlyoom", .. flags]);
        Assert.True(code == 0, err);
        string settings = CheckConfig(toml);
        Assert.Contains(term, settings);
        Assert.Contains(kill, settings);
    }

    [Theory]
    [InlineData("^(chrome|firefox)$", "chrome|firefox")]
    [InlineData("java", "*java*")]
    [InlineData("^python3", "python3*")]
    [InlineData("^Web\\ Content$", null)]
    [InlineData("^(.*)$", null)]
    public void Plain_name_regexes_become_comm_globs(string regex, string? globs)
    {
        var result = EarlyoomImport.CommGlobs(regex);
        Assert.Equal(globs, result is null ? null : string.Join('|', result));
    }

    [Fact]
    public void Regexes_with_quotes_backslashes_and_newlines_still_load()
    {
        var (code, toml, _) = Run("import", "earlyoom", "--prefer", "it's\\.so\"\nbad", "-N", "/usr/local/bin/notify\nx = 1");
        Assert.Equal(0, code);
        string settings = CheckConfig(toml);
        Assert.Contains("cmdline=", settings);
        Assert.DoesNotContain("\nx = 1", toml);
    }

    [Fact]
    public void Preferences_rank_first_among_siblings_and_ignore_comes_before_them()
    {
        var (_, toml, _) = Run("import", "earlyoom", "--prefer", "^chrome$", "--ignore", "^chrome$");
        string settings = CheckConfig(toml);
        int ignore = settings.IndexOf("earlyoom --ignore", StringComparison.Ordinal), prefer = settings.IndexOf("earlyoom --prefer", StringComparison.Ordinal);
        Assert.True(ignore >= 0 && prefer > ignore, settings);
        Assert.Contains("priority=-300", settings);
    }

    [Theory]
    [InlineData("--frobnicate", "unknown earlyoom option '--frobnicate'")]
    [InlineData("-m", "-m needs PERCENT[,KILL_PERCENT]")]
    [InlineData("-m", "-m needs PERCENT[,KILL_PERCENT] (0..100), got '5,10'", "5,10")]
    [InlineData("-m", "got '150'", "150")]
    public void Bad_flags_are_usage_errors_naming_the_flag(string flag, string message, string? value = null)
    {
        string[] args = value is null ? ["import", "earlyoom", flag] : ["import", "earlyoom", flag, value];
        var (code, output, err) = Run(args);
        Assert.Equal(64, code);
        Assert.Equal("", output);
        Assert.Contains(message, err);
    }

    [Fact]
    public void An_unknown_tool_is_named()
    {
        var (code, _, err) = Run("import", "nohang");
        Assert.Equal(64, code);
        Assert.Contains("unknown tool 'nohang'", err);
    }
}
