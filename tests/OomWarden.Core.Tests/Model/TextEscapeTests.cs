using OomWarden.Core.Model;

namespace OomWarden.Core.Tests.Model;

/// <summary>Names a process chose cannot drive the terminal or forge log lines.</summary>
public class TextEscapeTests
{
    [Theory]
    [InlineData("sshd", "sshd")]
    [InlineData("my app (x)", "my app (x)")]
    [InlineData("a\nb", "a\\nb")]
    [InlineData("a\r\tb", "a\\r\\tb")]
    [InlineData("\u001b[2J\u001b[Hgotcha", "\\x1b[2J\\x1b[Hgotcha")]
    [InlineData("\u001b]0;title\u0007", "\\x1b]0;title\\x07")]
    [InlineData("nul\0x", "nul\\x00x")]
    [InlineData("del\u007f", "del\\x7f")]
    [InlineData("csi\u009b2J", "csi\\u009b2J")]
    [InlineData("next\u0085line", "next\\u0085line")]
    [InlineData("evil\u202etxt.exe", "evil\\u202etxt.exe")]
    [InlineData("iso\u2066late\u2069", "iso\\u2066late\\u2069")]
    [InlineData("sep\u2028x", "sep\\u2028x")]
    [InlineData("system-systemd\\x2dfsck.slice", "system-systemd\\x2dfsck.slice")]
    [InlineData("caf\u00e9 \u65e5\u672c \U0001F600", "caf\u00e9 \u65e5\u672c \U0001F600")]
    public void Escapes_controls_and_keeps_the_rest(string raw, string expected)
    {
        Assert.Equal(expected, TextEscape.ForTerminal(raw));
        Assert.Equal(raw == expected, TextEscape.IsSafe(raw));
    }

    [Fact]
    public void Escapes_a_lone_surrogate()
    {
        string raw = "lone" + (char)0xD800 + "x" + (char)0xDC00;
        Assert.Equal("lone\\ud800x\\udc00", TextEscape.ForTerminal(raw));
    }

    [Fact]
    public void Returns_the_same_string_when_nothing_needs_escaping()
    {
        string s = "/system.slice/ssh.service";
        Assert.Same(s, TextEscape.ForTerminal(s));
    }

    [Fact]
    public void Output_never_holds_a_control_character()
    {
        var all = new string(Enumerable.Range(0, 0x3000).Select(i => (char)i).Where(c => !char.IsSurrogate(c)).ToArray());
        string escaped = TextEscape.ForTerminal(all);
        Assert.DoesNotContain(escaped, c => char.IsControl(c) || c is '\u202e' or '\u2066' or '\u2028');
    }
}
