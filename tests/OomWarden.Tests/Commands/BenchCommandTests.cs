using OomWarden.Commands;
using System.Runtime.CompilerServices;

namespace OomWarden.Tests.Commands;

/// <summary>The bench verb's contract with bench/run-all.sh: exit codes and the key=value line it parses.
/// No timing is asserted (figures are printed by the benchmark, not checked here).</summary>
public class BenchCommandTests
{
    private static string Fixture(string scenario, [CallerFilePath] string thisFile = "")
        => Path.GetFullPath(Path.Combine(Path.GetDirectoryName(thisFile)!, "..", "..", "fixtures", scenario));

    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        int code = Cli.Run(["bench", .. args], o, e);
        return (code, o.ToString(), e.ToString());
    }

    [Theory]
    [InlineData("poll")]
    [InlineData("tick")]
    public void Prints_one_parsable_line_over_a_fixture_tree(string what)
    {
        string root = Fixture("kernel-6.18-hybrid");
        var (code, output, err) = Run(what, "--iterations", "20", "--batches", "3",
            "--proc-root", Path.Combine(root, "proc"), "--sys-root", Path.Combine(root, "sys"));

        Assert.True(code == 0, err);
        var line = Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith(what + " ns_per_op=", line);
        var fields = line.Split(' ')[1..].Select(f => f.Split('=')).ToDictionary(kv => kv[0], kv => kv[1]);
        Assert.Equal("20", fields["iterations"]);
        Assert.Equal("3", fields["batches"]);
        Assert.True(double.Parse(fields["ns_per_op"], System.Globalization.CultureInfo.InvariantCulture) > 0);
        Assert.True(double.Parse(fields["min_ns"], System.Globalization.CultureInfo.InvariantCulture)
            <= double.Parse(fields["max_ns"], System.Globalization.CultureInfo.InvariantCulture));
        Assert.Contains("alloc_bytes_per_op", fields.Keys);
    }

    [Fact]
    public void Tick_sees_the_fixture_limited_cgroup()
    {
        string root = Fixture("kernel-6.18-hybrid");
        var (code, output, err) = Run("tick", "--iterations", "5", "--batches", "1",
            "--proc-root", Path.Combine(root, "proc"), "--sys-root", Path.Combine(root, "sys"));
        Assert.True(code == 0, err);
        Assert.Contains(" cgroups=1 ", output);
    }

    [Theory]
    [InlineData("")]
    [InlineData("walk")]
    [InlineData("poll tick")]
    [InlineData("poll --iterations 0")]
    [InlineData("poll --iterations x")]
    [InlineData("poll --nope")]
    public void Usage_errors_exit_64(string commandLine)
    {
        var (code, output, err) = Run(commandLine.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Equal("", output);
        Assert.StartsWith("oomwarden bench:", err);
    }

    [Fact]
    public void A_missing_meminfo_is_an_os_error()
    {
        var empty = Directory.CreateTempSubdirectory("oomwarden-bench-test");
        try
        {
            var (code, _, err) = Run("poll", "--proc-root", empty.FullName);
            Assert.Equal(ExitCodes.OsError, code);
            Assert.Contains("meminfo", err);
        }
        finally
        {
            empty.Delete(recursive: true);
        }
    }
}
