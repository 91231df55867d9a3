using OomWarden.Commands;

namespace OomWarden.Tests.Commands;

public class CheckConfigGoldenTests
{
    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        Golden.UseRepoRootAsCurrentDirectory();
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = CheckConfigCommand.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    [Theory]
    [InlineData("check-config-server.txt", "deploy/policies/server.toml")]
    [InlineData("check-config-desktop.txt", "deploy/policies/desktop.toml")]
    [InlineData("check-config-kubernetes.txt", "deploy/policies/kubernetes.toml")]
    public void ExamplePoliciesPassAndPrintTheRuleTable(string golden, string file)
    {
        var (code, output, error) = Run(file);
        Assert.True(code == 0, error);
        Golden.Check(golden, output);
    }

    [Fact]
    public void NoFileShowsTheBuiltInDefaults()
    {
        var (code, output, _) = Run();
        Assert.Equal(0, code);
        Golden.Check("check-config-defaults.txt", output);
    }

    [Fact]
    public void ErrorsGoToStderrWithExit78()
    {
        var (code, output, error) = Run("tests/fixtures/snapshots/configs/broken.toml");
        Assert.Equal(ExitCodes.Config, code);
        Assert.Equal("", output);
        Golden.Check("check-config-broken.stderr", error);
    }

    [Fact]
    public void ConfigDocShowsARealRun()
    {
        var (code, _, error) = Run("tests/fixtures/snapshots/configs/doc-broken.toml");
        Assert.Equal(ExitCodes.Config, code);
        string shown = error.Replace("tests/fixtures/snapshots/configs/doc-broken.toml", "broken.toml", StringComparison.Ordinal);
        string doc = File.ReadAllText(Golden.Fixture("docs/CONFIG.md")).Replace("\r\n", "\n", StringComparison.Ordinal);
        string expected = "$ oomwarden check-config broken.toml\n" + shown + "$ echo $?\n78\n";
        Assert.True(doc.Contains(expected, StringComparison.Ordinal), "docs/CONFIG.md should show:\n" + expected);
    }

    [Fact]
    public void PrintedSettingsAreAValidConfigThatLoadsToTheSameSettings()
    {
        var (_, output, _) = Run("deploy/policies/server.toml");
        string toml = output[output.IndexOf("# effective settings", StringComparison.Ordinal)..];
        var reloaded = OomWarden.Configuration.ConfigLoader.LoadText(toml, "printed.toml");
        Assert.True(reloaded.Success, string.Join("\n", reloaded.Errors));
        var original = OomWarden.Configuration.ConfigLoader.LoadFile(Golden.Fixture("deploy/policies/server.toml"));
        Assert.Equal(original.Config!.Settings.System, reloaded.Config.Settings.System);
        Assert.Equal(original.Config.Settings.Monitor, reloaded.Config.Settings.Monitor);
        Assert.Equal(original.Config.Settings.Action, reloaded.Config.Settings.Action);
        Assert.Equal(original.Config.Settings.Cgroups.HeadroomTerm, reloaded.Config.Settings.Cgroups.HeadroomTerm);
    }

    [Fact]
    public void UnexpectedArgumentIsAUsageError()
    {
        var (code, _, error) = Run("a.toml", "b.toml");
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("usage:", error, StringComparison.Ordinal);
    }
}
