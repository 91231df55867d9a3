using OomWarden.Commands;

namespace OomWarden.Tests.Commands;

/// <summary>Command lines with control characters or a huge value: the error line names what was typed, escaped (a
/// newline stays on the line, an escape sequence never reaches the terminal) and cut after 1024 characters.</summary>
public sealed class CarelessArgvTests
{
    private const string Hostile = "\u001b[31mX\nY";
    private const string HostileShown = "\\x1b[31mX\\nY";

    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        int code = Cli.Run(args, new StringReader(""), o, e);
        return (code, o.ToString(), e.ToString());
    }

    private static string FirstLine(string err) => err.Split('\n')[0];

    [Theory]
    [InlineData(new[] { Hostile }, "oomwarden: unknown verb '" + HostileShown + "'")]
    [InlineData(new[] { "version", Hostile }, "oomwarden version: unexpected argument '" + HostileShown + "'")]
    [InlineData(new[] { "doctor", "--bad" + Hostile }, "oomwarden doctor: unknown option --bad" + HostileShown)]
    [InlineData(new[] { "check-config", "--config=" }, "oomwarden check-config: option --config needs a value")]
    [InlineData(new[] { "import", Hostile }, "oomwarden import: unknown tool '" + HostileShown + "' (known: earlyoom; docs/MIGRATING.md maps systemd-oomd and nohang by hand)")]
    [InlineData(new[] { "import", "earlyoom", Hostile }, "oomwarden import earlyoom: unknown earlyoom option '" + HostileShown + "'")]
    [InlineData(new[] { "import", "earlyoom", "-m", Hostile }, "oomwarden import earlyoom: -m needs PERCENT[,KILL_PERCENT] (0..100), got '" + HostileShown + "'")]
    public void A_control_character_in_an_argument_stays_escaped_on_the_error_line(string[] args, string expected)
    {
        var (code, _, err) = Run(args);
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Equal(expected, FirstLine(err));
        Assert.DoesNotContain('\u001b', err);
        Assert.DoesNotContain("\nY", err, StringComparison.Ordinal);
    }

    [Fact]
    public void A_huge_argument_is_cut_on_the_error_line_with_its_length()
    {
        string huge = new('a', 200_000);
        foreach (var args in (string[][])[[huge], ["version", huge], ["doctor", "--" + huge], ["import", "earlyoom", huge]])
        {
            var (code, _, err) = Run(args);
            Assert.Equal(ExitCodes.Usage, code);
            string line = FirstLine(err);
            Assert.True(line.Length < ArgReader.MaxShownChars + 200, $"{args[0][..Math.Min(10, args[0].Length)]}: {line.Length} characters");
            Assert.Contains(" characters)", line, StringComparison.Ordinal);
        }
    }
}
