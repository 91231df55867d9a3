using Microsoft.Extensions.Time.Testing;
using OomWarden.Daemon;

namespace OomWarden.Tests.Daemon;

public sealed class DaemonLogTests
{
    [Theory]
    [InlineData("hog", "hog")]
    [InlineData("a\nb", "a\\nb")]
    [InlineData("\u001b[2Jevil", "\\x1b[2Jevil")]
    [InlineData("tab\there\r", "tab\\there\\r")]
    [InlineData("del\u007f c1\u009b", "del\\x7f c1\\u009b")]
    [InlineData("dotnet (with (parens)) sp(a)ce", "dotnet (with (parens)) sp(a)ce")]
    public void Control_characters_are_escaped(string raw, string expected)
        => Assert.Equal(expected, DaemonLog.Escape(raw));

    [Fact]
    public void A_process_name_with_a_newline_cannot_forge_a_second_log_line()
    {
        var log = new StringWriter();
        DaemonLog.Write(log, new FakeTimeProvider(), "sent SIGTERM to pid 7 (x\n2026-01-01T00:00:00.000Z oomwarden: fake)");
        Assert.Single(log.ToString().TrimEnd('\n').Split('\n'));
    }

    [Fact]
    public void Text_without_control_characters_is_returned_as_is()
    {
        string s = "pid 42 (sshd)";
        Assert.Same(s, DaemonLog.Escape(s));
    }
}
