using System.Text.RegularExpressions;
using OomWarden.Integration.Tests.Infrastructure;

namespace OomWarden.Integration.Tests.Packaging;

/// <summary>The man pages (rendered by scripts/mkman.py) and the bash completion follow the binary's verb table.</summary>
public sealed partial class DocsAndCompletionTests
{
    private static readonly TimeSpan Slow = TimeSpan.FromMinutes(2);

    [GeneratedRegex(@"^  ([a-z][a-z-]+) ", RegexOptions.Multiline)]
    private static partial Regex VerbLine();

    /// <summary>The verbs `oomwarden --help` lists.</summary>
    private static List<string> Verbs()
    {
        var help = Sh.Run(Repo.Binary, ["--help"], Slow);
        Assert.Equal(0, help.ExitCode);
        var verbs = VerbLine().Matches(help.Stdout).Select(m => m.Groups[1].Value).ToList();
        Assert.Contains("doctor", verbs);
        Assert.Contains("import", verbs);
        return verbs;
    }

    [Fact]
    public void The_man_pages_render_without_groff_errors_and_name_every_verb()
    {
        Repo.RequireBinary();
        string dir = Path.Combine(Path.GetTempPath(), "oomwarden-man-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            var make = Sh.Run("python3", [Path.Combine(Repo.Root, "scripts", "mkman.py"), dir], Slow);
            Assert.True(make.ExitCode == 0, make.Stderr);
            foreach (var page in (string[])["oomwarden.8", "oomwarden.toml.5"])
            {
                var man = Sh.Run("man", ["--warnings", "-E", "UTF-8", "-l", "-Tutf8", Path.Combine(dir, page)], Slow);
                Assert.Equal(0, man.ExitCode);
                // lintian ignores these two (lines too long to fill in tables and code); anything else is a defect.
                var problems = man.Stderr.Split('\n')
                    .Where(l => l.Length > 0 && !l.Contains("cannot adjust line", StringComparison.Ordinal) && !l.Contains("can't break line", StringComparison.Ordinal))
                    .ToList();
                Assert.True(problems.Count == 0, page + ": " + string.Join("\n", problems));
            }
            string eight = Sh.Run("man", ["-l", "-Tutf8", Path.Combine(dir, "oomwarden.8")], Slow).Stdout;
            eight = Regex.Replace(eight, ".\b", "");
            foreach (var verb in Verbs()) Assert.Contains(verb, eight);
            string five = Sh.Run("man", ["-l", "-Tutf8", Path.Combine(dir, "oomwarden.toml.5")], Slow).Stdout;
            five = Regex.Replace(five, ".\b", "");
            // From docs/CONFIG.md and docs/POLICY.md: a key of each table and a match key.
            foreach (var key in (string[])["mem_available_term", "headroom_term", "max_interval", "term_grace", "cmdline"]) Assert.Contains(key, five);
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
    }

    private static string Complete(params string[] words)
    {
        string script = $"source '{Path.Combine(Repo.Root, "deploy", "completion", "oomwarden.bash")}'; "
            + "COMP_WORDS=(" + string.Join(' ', words.Select(w => "'" + w + "'")) + $"); COMP_CWORD={words.Length - 1}; _oomwarden; printf '%s\\n' \"${{COMPREPLY[@]}}\"";
        var r = Sh.Run("bash", ["--norc", "-c", script], Slow);
        Assert.True(r.ExitCode == 0, r.Stderr);
        return r.Stdout;
    }

    [Fact]
    public void Bash_completion_offers_every_verb_and_each_verb_s_options()
    {
        Repo.RequireBinary();
        var offered = Complete("oomwarden", "").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        foreach (var verb in Verbs()) Assert.Contains(verb, offered);
        Assert.Equal("doctor", Complete("oomwarden", "doc").Trim());
        Assert.Contains("--json", Complete("oomwarden", "doctor", "--").Split('\n'));
        Assert.Equal("earlyoom", Complete("oomwarden", "import", "e").Trim());
        Assert.Contains("--prefer", Complete("oomwarden", "import", "earlyoom", "--p").Split('\n'));
    }
}
