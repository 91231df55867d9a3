using OomWarden.Configuration;

namespace OomWarden.Tests.Configuration;

/// <summary>Rule names show in check-config, explain and every kill event: two rules of one name are rejected.</summary>
public class RuleNameTests
{
    [Fact]
    public void ADuplicateNameIsRejectedAtTheSecondRulesName()
    {
        var result = ConfigLoader.LoadText("""
            [[rule]]
            name = "batch"
            cgroup = "/batch/*"
            priority = -10
            [[rule]]
              name = "batch"
            comm = "make"
            priority = -5
            """, "test.toml");
        Assert.False(result.Success);
        var error = Assert.Single(result.Errors);
        Assert.Equal("test.toml:6:3: duplicate rule name \"batch\" (first used by the rule at line 1): rule names must be unique", error.ToString());
    }

    [Fact]
    public void AnExplicitNameMayNotTakeADefaultName()
    {
        var result = ConfigLoader.LoadText("[[rule]]\nname = \"rule 2\"\ncomm = \"a\"\npriority = 1\n[[rule]]\ncomm = \"b\"\npriority = 2", "test.toml");
        Assert.Contains(result.Errors, e => e.Line == 5 && e.Message.StartsWith("duplicate rule name \"rule 2\"", StringComparison.Ordinal));
    }

    [Fact]
    public void ANameOfThePresetsRulesIsRejected()
    {
        string presetRule = Presets.Rules("server")[0].Name;
        var result = ConfigLoader.LoadText($"preset = \"server\"\n[[rule]]\nname = \"{presetRule}\"\ncomm = \"a\"\npriority = 1", "test.toml");
        Assert.False(result.Success);
        Assert.Contains(result.Errors, e => e.Line == 3 && e.Message.Contains($"is the name of a rule of preset \"server\"", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("desktop")]
    [InlineData("server")]
    [InlineData("kubernetes")]
    public void PresetRuleNamesAreUnique(string preset)
    {
        var names = Presets.Rules(preset).Select(r => r.Name).ToList();
        Assert.Equal(names.Count, names.Distinct(StringComparer.Ordinal).Count());
    }
}
