namespace OomWarden.Tests;

public class SmokeTests
{
    [Fact]
    public void Runs()
    {
        var o = new StringWriter();
        Assert.Equal(0, Cli.Run([], o, new StringWriter()));
    }
}
