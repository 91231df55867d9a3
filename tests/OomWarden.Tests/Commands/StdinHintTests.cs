using OomWarden.Commands;

namespace OomWarden.Tests.Commands;

/// <summary>The decision behind analyze's hint on a terminal (the pty itself is in the integration tests).</summary>
public sealed class StdinHintTests
{
    [Fact]
    public void Analyze_hints_on_stderr_only_when_stdin_is_a_terminal()
    {
        Assert.Equal(StdinHint.Text, StdinHint.For(stdinIsTerminal: true));
        Assert.Null(StdinHint.For(stdinIsTerminal: false));
        Assert.Null(StdinHint.For(new StringReader(""))); // not the process's stdin
        Assert.Single(StdinHint.Text.Split('\n'));
    }
}
