using System.Text.RegularExpressions;
using OomWarden.Integration.Tests.Infrastructure;

namespace OomWarden.Integration.Tests.Packaging;

/// <summary>Every option a verb's --help names is in the verb's synopsis in oomwarden(8) (docs/man) and in README's
/// Usage, and bash completion offers it: three places written by hand that drift when a flag is added.</summary>
public sealed partial class HelpMatchesDocsTests
{
    private static readonly TimeSpan Slow = TimeSpan.FromMinutes(2);

    [GeneratedRegex(@"(?<![\w-])--[a-z][a-z-]*[a-z]")]
    private static partial Regex LongOption();

    /// <summary>The verbs and the words completion needs before "--" to reach the verb's options.</summary>
    public static TheoryData<string, string[]> Verbs() => new()
    {
        { "run", [] }, { "check-config", [] }, { "explain", [] }, { "snapshot", [] }, { "simulate", [] },
        { "analyze", [] }, { "doctor", [] }, { "status", [] }, { "reload", [] }, { "pause", [] }, { "resume", [] },
        { "restore-oom-settings", [] }, { "bench", ["poll"] }, { "notify-desktop", [] },
    };

    private static string Complete(params string[] words)
    {
        string script = $"source '{Path.Combine(Repo.Root, "deploy", "completion", "oomwarden.bash")}'; "
            + "COMP_WORDS=(" + string.Join(' ', words.Select(w => "'" + w + "'")) + $"); COMP_CWORD={words.Length - 1}; _oomwarden; printf '%s\\n' \"${{COMPREPLY[@]}}\"";
        var r = Sh.Run("bash", ["--norc", "-c", script], Slow);
        Assert.True(r.ExitCode == 0, r.Stderr);
        return r.Stdout;
    }

    /// <summary>The lines of a synopsis block that start with "oomwarden VERB" (reload|pause|resume share one).</summary>
    private static string SynopsisLine(string text, string verb) =>
        string.Join('\n', text.Split('\n').Where(l => Regex.IsMatch(l, $@"^oomwarden ([a-z|-]+\|)?{Regex.Escape(verb)}(\|[a-z|-]+)?( |$)")));

    [Theory]
    [MemberData(nameof(Verbs))]
    public void Every_option_of_the_help_is_in_the_man_page_readme_and_completion(string verb, string[] before)
    {
        Repo.RequireBinary();
        var help = Sh.Run(Repo.Binary, [verb, "--help"], Slow);
        Assert.True(help.ExitCode == 0, help.Stderr);
        // The usage lines: up to the first blank line.
        string usage = help.Stdout.Split("\n\n")[0];
        var synopsisOptions = LongOption().Matches(usage).Select(m => m.Value).Where(o => o != "--help").Distinct().ToList();
        var allOptions = LongOption().Matches(help.Stdout).Select(m => m.Value).Where(o => o != "--help").Distinct().ToList();
        Assert.NotEmpty(synopsisOptions);

        string man = SynopsisLine(File.ReadAllText(Path.Combine(Repo.Root, "docs", "man", "oomwarden.8.md")), verb);
        Assert.False(man.Length == 0, $"oomwarden(8) has no synopsis line for {verb}");
        foreach (var o in synopsisOptions) Assert.True(man.Contains(o, StringComparison.Ordinal), $"oomwarden(8): {verb} lacks {o}: {man}");

        if (verb != "notify-desktop") // internal: not in README's Usage
        {
            string readme = SynopsisLine(File.ReadAllText(Path.Combine(Repo.Root, "README.md")), verb);
            Assert.False(readme.Length == 0, $"README's Usage has no line for {verb}");
            foreach (var o in synopsisOptions) Assert.True(readme.Contains(o, StringComparison.Ordinal), $"README: {verb} lacks {o}: {readme}");
        }

        var offered = Complete(["oomwarden", verb, .. before, "--"]).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        foreach (var o in allOptions.Append("--help")) Assert.True(offered.Contains(o), $"completion of {verb} lacks {o}: {string.Join(' ', offered)}");
    }
}
