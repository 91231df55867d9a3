using System.Text.RegularExpressions;
using OomWarden.Configuration;

namespace OomWarden.Tests.Configuration;

/// <summary>Every ```toml block of the docs is a config that loads, so the docs cannot drift from the loader.</summary>
public partial class DocExamplesTests
{
    [GeneratedRegex("```toml\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex TomlBlock();

    public static TheoryData<string, int> Blocks()
    {
        var data = new TheoryData<string, int>();
        foreach (var doc in (string[])["docs/POLICY.md", "docs/CONFIG.md"])
        {
            var text = File.ReadAllText(Golden.Fixture(doc)).Replace("\r\n", "\n", StringComparison.Ordinal);
            int n = 0;
            foreach (Match m in TomlBlock().Matches(text)) data.Add(doc, n++);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Blocks))]
    public void TomlBlockLoads(string doc, int index)
    {
        var text = File.ReadAllText(Golden.Fixture(doc)).Replace("\r\n", "\n", StringComparison.Ordinal);
        string block = TomlBlock().Matches(text)[index].Groups[1].Value;
        // The examples name a build account "ci" that this machine need not have: a config naming an unknown user is
        // rejected (tested in ConfigLoaderTests), so the account is given here.
        var result = ConfigLoader.LoadText(block, $"{doc}#{index}", TestUsers.With(users: ("ci", 1400)));
        Assert.True(result.Success, string.Join("\n", result.Errors));
    }

    [Theory]
    [InlineData("desktop")]
    [InlineData("server")]
    [InlineData("kubernetes")]
    public void PolicyDocShowsEachPresetVerbatim(string preset)
    {
        var text = File.ReadAllText(Golden.Fixture("docs/POLICY.md")).Replace("\r\n", "\n", StringComparison.Ordinal);
        Assert.Contains(Presets.Source(preset)!.Replace("\r\n", "\n", StringComparison.Ordinal), text, StringComparison.Ordinal);
    }

    [Fact]
    public void ConfigDocDefaultsFileMatchesTheBuiltInDefaults()
    {
        var text = File.ReadAllText(Golden.Fixture("docs/CONFIG.md")).Replace("\r\n", "\n", StringComparison.Ordinal);
        var blocks = TomlBlock().Matches(text);
        var result = ConfigLoader.LoadText(blocks[^1].Groups[1].Value, "CONFIG.md");
        Assert.True(result.Success);
        var d = OomWarden.Core.Settings.DaemonSettings.Default;
        Assert.Equal(d.System, result.Config.Settings.System);
        Assert.Equal(d.Monitor, result.Config.Settings.Monitor);
        Assert.Equal(d.Action, result.Config.Settings.Action);
        Assert.Equal(d.Cgroups.HeadroomTerm, result.Config.Settings.Cgroups.HeadroomTerm);
        Assert.Equal(d.Cgroups.HeadroomKill, result.Config.Settings.Cgroups.HeadroomKill);
        Assert.Equal(d.Cgroups.Enabled, result.Config.Settings.Cgroups.Enabled);
    }
}
