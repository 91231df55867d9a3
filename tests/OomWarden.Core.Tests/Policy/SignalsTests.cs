using OomWarden.Core.Policy;

namespace OomWarden.Core.Tests.Policy;

public class SignalsTests
{
    [Theory]
    [InlineData("SIGTERM", 15)]
    [InlineData("TERM", 15)]
    [InlineData("sigint", 2)]
    [InlineData("SIGKILL", 9)]
    [InlineData("USR1", 10)]
    [InlineData("34", 34)]
    public void Parses(string text, int signal)
    {
        Assert.True(Signals.TryParse(text, out int parsed));
        Assert.Equal(signal, parsed);
    }

    [Theory]
    [InlineData("SIGFOO")]
    [InlineData("0")]
    [InlineData("65")]
    [InlineData("")]
    [InlineData("-9")]
    public void Rejects(string text) => Assert.False(Signals.TryParse(text, out _));

    [Fact]
    public void NamesRoundTrip()
    {
        for (int s = 1; s <= 31; s++)
        {
            Assert.True(Signals.TryParse(Signals.Name(s), out int back));
            Assert.Equal(s, back);
        }
    }
}
