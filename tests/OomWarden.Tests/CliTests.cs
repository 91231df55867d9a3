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
        Assert.Contains("unknown option --dry-rn", err);
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

    [Fact]
    public void Run_names_a_missing_config_file()
    {
        var (code, _, err) = Run("run", "--config", "/nonexistent/oomwarden.toml");
        Assert.Equal(78, code);
        Assert.Contains("/nonexistent/oomwarden.toml", err);
    }

    [Fact]
    public void Version_prints_a_version()
    {
        var (code, output, _) = Run("--version");
        Assert.Equal(0, code);
        Assert.StartsWith("oomwarden ", output);
    }
}
