using OomWarden.Core.Policy;

namespace OomWarden.Core.Tests.Policy;

public class GlobTests
{
    [Theory]
    [InlineData("/batch/*", "/batch/job1", true)]
    [InlineData("/batch/*", "/batch/job1/step", false)]
    [InlineData("/batch/*", "/batch", false)]
    [InlineData("/batch/**", "/batch/job1/step", true)]
    [InlineData("/batch/**", "/batch", false)]
    [InlineData("/kubepods.slice/kubepods-pod*.slice", "/kubepods.slice/kubepods-pod12_34.slice", true)]
    [InlineData("/kubepods.slice/kubepods-pod*.slice", "/kubepods.slice/kubepods-besteffort.slice", false)]
    [InlineData("app-*.scope", "app-firefox-123.scope", true)]
    [InlineData("cc1?", "cc1p", true)]
    [InlineData("cc1?", "cc1", false)]
    [InlineData("[ab]sh", "bsh", true)]
    [InlineData("[!ab]sh", "bsh", false)]
    [InlineData("[!ab]sh", "zsh", true)]
    [InlineData("a.b", "axb", false)]
    [InlineData("(x)+", "(x)+", true)]
    [InlineData("Isolated Web Co", "Isolated Web Co", true)]
    public void Matches(string pattern, string text, bool expected) =>
        Assert.Equal(expected, Glob.Compile(pattern).IsMatch(text));

    [Theory]
    [InlineData("", "empty glob")]
    [InlineData("/a/[bc", "unclosed '['")]
    [InlineData("[]", "empty character class")]
    [InlineData("[!]", "empty character class")]
    public void RejectsMalformed(string pattern, string reason)
    {
        Assert.False(Glob.TryCompile(pattern, out _, out var error));
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }
}

public class GlobFastPathTests
{
    /// <summary>The literal and prefix fast paths agree with the regex they stand for.</summary>
    [Theory]
    [InlineData("sshd", new[] { "sshd", "sshd-session", "ssh", "" })]
    [InlineData("gdm*", new[] { "gdm", "gdm-session", "gd", "gdm/x", "xgdm" })]
    [InlineData("/batch/**", new[] { "/batch/", "/batch/a/b", "/batch", "/batc" })]
    [InlineData("/batch/*", new[] { "/batch/", "/batch/a", "/batch/a/b" })]
    public void AgreeWithTheGeneralTranslation(string pattern, string[] texts)
    {
        var glob = Glob.Compile(pattern);
        string regex = "^" + System.Text.RegularExpressions.Regex.Escape(pattern)
            .Replace("\\*\\*", ".*", StringComparison.Ordinal).Replace("\\*", "[^/]*", StringComparison.Ordinal) + "$";
        foreach (var text in texts)
            Assert.Equal(System.Text.RegularExpressions.Regex.IsMatch(text, regex), glob.IsMatch(text));
    }
}
