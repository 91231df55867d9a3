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
    [InlineData("/a/**/z", "/a/z", false)]
    [InlineData("/a/**/z", "/a/b/z", true)]
    [InlineData("/a/**/z", "/a/b/c/z", true)]
    [InlineData("/a/**z", "/a/z", true)]
    [InlineData("**", "", true)]
    [InlineData("*", "", true)]
    [InlineData("*", "/", false)]
    [InlineData("a*b*c", "a/b/c", false)]
    [InlineData("a*b*c", "axxbyyc", true)]
    [InlineData("a*b*c", "abcabc", true)]
    [InlineData("a*b*c", "abcab", false)]
    [InlineData("[a-c]x", "bx", true)]
    [InlineData("[a-c]x", "dx", false)]
    [InlineData("[-a]x", "-x", true)]
    [InlineData("[a-]x", "-x", true)]
    [InlineData("[!a]", "/", false)]
    [InlineData("[/]", "/", false)]
    [InlineData("?", "é", true)]
    [InlineData("\\d", "\\d", true)]
    public void Matches(string pattern, string text, bool expected) =>
        Assert.Equal(expected, Glob.Compile(pattern).IsMatch(text));

    [Theory]
    [InlineData("", "empty glob")]
    [InlineData("/a/[bc", "unclosed '['")]
    [InlineData("[]", "empty character class")]
    [InlineData("[!]", "empty character class")]
    [InlineData("/x/[z-a]", "reversed range 'z-a' at position 4")]
    public void RejectsMalformed(string pattern, string reason)
    {
        Assert.False(Glob.TryCompile(pattern, out _, out var error));
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }
}

/// <summary>Long and hostile patterns: the automaton is linear in the text for a given pattern, never exponential,
/// and no size limit of a regex engine applies.</summary>
public class GlobScaleTests
{
    [Fact]
    public void A_25_KB_pattern_compiles_and_matches()
    {
        string pattern = "/" + string.Concat(Enumerable.Repeat("a*", 12_500));
        Assert.True(Glob.TryCompile(pattern, out var glob, out var error), error);
        Assert.True(glob!.IsMatch("/" + new string('a', 12_500)));
        Assert.True(glob.IsMatch("/" + string.Concat(Enumerable.Repeat("ab", 12_500))));
        Assert.False(glob.IsMatch("/" + new string('a', 12_499)));
        Assert.False(glob.IsMatch("/" + new string('a', 12_500) + "/"));
    }

    /// <summary>The classic exponential case of backtracking matchers: (a*)^n b against a^m. A recursive matcher
    /// takes C(m, n) steps here (10^13 for these sizes); the automaton takes m × n.</summary>
    [Fact]
    public void Many_stars_against_a_near_miss_finish()
    {
        var glob = Glob.Compile(string.Concat(Enumerable.Repeat("a*", 30)) + "b");
        Assert.False(glob.IsMatch(new string('a', 100)));
        Assert.True(glob.IsMatch(new string('a', 100) + "b"));
        var deep = Glob.Compile(string.Concat(Enumerable.Repeat("**/", 30)) + "x");
        Assert.False(deep.IsMatch(string.Concat(Enumerable.Repeat("a/", 60)) + "y"));
        Assert.True(deep.IsMatch(string.Concat(Enumerable.Repeat("a/", 60)) + "x"));
    }

    /// <summary>The automaton against the regex translation the glob used to be (backtracking .NET regex, fine for
    /// short inputs), on random patterns and texts over a small alphabet.</summary>
    [Fact]
    public void Agrees_with_the_regex_translation_on_random_patterns()
    {
        var random = new Random(8);
        string[] pieces = ["a", "b", "/", "*", "**", "?", "[ab]", "[!a]", "[a-b]"];
        for (int n = 0; n < 3000; n++)
        {
            string pattern = string.Concat(Enumerable.Range(0, random.Next(1, 7)).Select(_ => pieces[random.Next(pieces.Length)]));
            var glob = Glob.Compile(pattern);
            var regex = new System.Text.RegularExpressions.Regex(Translate(pattern));
            for (int t = 0; t < 10; t++)
            {
                string text = new([.. Enumerable.Range(0, random.Next(0, 8)).Select(_ => "ab/c"[random.Next(4)])]);
                Assert.True(regex.IsMatch(text) == glob.IsMatch(text), $"pattern \"{pattern}\" text \"{text}\": regex says {regex.IsMatch(text)}");
            }
        }
    }

    private static string Translate(string pattern)
    {
        var sb = new System.Text.StringBuilder("^");
        for (int i = 0; i < pattern.Length; i++)
        {
            switch (pattern[i])
            {
                case '*' when i + 1 < pattern.Length && pattern[i + 1] == '*': sb.Append(".*"); i++; break;
                case '*': sb.Append("[^/]*"); break;
                case '?': sb.Append("[^/]"); break;
                case '[':
                    int close = pattern.IndexOf(']', i + 1);
                    string body = pattern[(i + 1)..close];
                    sb.Append("(?!/)[").Append(body.StartsWith('!') ? "^" + body[1..] : body).Append(']');
                    i = close;
                    break;
                default: sb.Append(System.Text.RegularExpressions.Regex.Escape(pattern[i].ToString())); break;
            }
        }
        return sb.Append('$').ToString();
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
