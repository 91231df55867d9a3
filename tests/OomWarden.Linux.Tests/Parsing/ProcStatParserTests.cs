using System.Text;
using OomWarden.Linux.Parsing;

namespace OomWarden.Linux.Tests.Parsing;

public class ProcStatParserTests
{
    private const string Tail = " S 6688 6688 3144 0 -1 4194304 143 0 0 0 0 0 0 0 20 0 1 0 59057 2990080 419 18446744073709551615 0 0 0\n";

    [Theory]
    [InlineData("a)))b")]
    [InlineData("dotnet (with (parens)) sp(a)ce")]
    [InlineData("a\nb")]
    [InlineData("x) R 1 2 3 4")]
    [InlineData("my app")]
    [InlineData("")]
    [InlineData("(")]
    [InlineData(")")]
    public void Comm_is_between_first_open_and_last_close_paren(string comm)
    {
        var text = Encoding.UTF8.GetBytes("4242 (" + comm + ")" + Tail);
        Assert.True(ProcStatParser.TryParse(text, out var stat));
        Assert.Equal(comm, Encoding.UTF8.GetString(stat.Comm(text)));
        Assert.Equal(4242, stat.Pid);
        Assert.Equal((byte)'S', stat.State);
        Assert.Equal(6688, stat.ParentPid);
        Assert.Equal(59057UL, stat.StartTimeTicks);
        Assert.Equal(419, stat.RssPages);
        Assert.False(stat.IsKernelThread);
    }

    [Fact]
    public void Non_utf8_comm_bytes_are_kept_raw()
    {
        byte[] comm = [0xff, 0xfe, (byte)'b', 0xc3];
        var text = Encoding.ASCII.GetBytes("7 (").Concat(comm).Concat(Encoding.ASCII.GetBytes(")" + Tail)).ToArray();
        Assert.True(ProcStatParser.TryParse(text, out var stat));
        Assert.Equal(comm, stat.Comm(text).ToArray());
    }

    [Fact]
    public void Kernel_thread_flag_is_read()
    {
        var text = Fixtures.Bytes("kernel-6.18-hybrid", "proc/2/stat");
        Assert.True(ProcStatParser.TryParse(text, out var stat));
        Assert.True(stat.IsKernelThread);
        Assert.Equal("kthreadd", Encoding.UTF8.GetString(stat.Comm(text)));
        Assert.Equal(0, stat.ParentPid);
    }

    [Theory]
    [InlineData("S", 0x400000u, false)]
    [InlineData("D", 0x400000u, false)]
    [InlineData("Z", 0x400000u, true)]
    [InlineData("X", 0u, true)]
    [InlineData("x", 0u, true)]
    [InlineData("R", 0x400004u, true)]  // PF_EXITING: in do_exit
    [InlineData("D", 0x4u, true)]
    public void Exiting_is_a_zombie_or_dead_state_or_PF_EXITING(string state, uint flags, bool exiting)
    {
        var text = Encoding.ASCII.GetBytes($"42 (hog) {state} 1 42 42 0 -1 {flags} 0 0 0 0 0 0 0 0 20 0 1 0 5000 0 300 0");
        Assert.True(ProcStatParser.TryParse(text, out var stat));
        Assert.Equal(exiting, stat.IsExiting);
        Assert.Equal(flags, stat.Flags);
    }

    [Theory]
    [InlineData("kernel-6.18-hybrid", "1")]
    [InlineData("kernel-6.1-v2", "1")]
    [InlineData("kernel-6.1-v2", "134")]
    [InlineData("hostile-comm", "100")]
    [InlineData("hostile-comm", "102")]
    [InlineData("hostile-comm", "103")]
    [InlineData("hostile-comm", "104")]
    public void Fixture_stat_agrees_with_status(string scenario, string pid)
    {
        var stat = Fixtures.Bytes(scenario, $"proc/{pid}/stat");
        var status = Fixtures.Bytes(scenario, $"proc/{pid}/status");
        Assert.True(ProcStatParser.TryParse(stat, out var s));
        Assert.True(ProcStatusParser.TryParse(status, out var st));
        Assert.Equal(int.Parse(pid), s.Pid);
        Assert.Equal(st.ParentPid, s.ParentPid);
        Assert.Equal(st.Tgid, s.Pid);
        var comm = Fixtures.Bytes(scenario, $"proc/{pid}/comm");
        Assert.Equal(comm[..^1], s.Comm(stat).ToArray()); // comm file = name + '\n'
    }

    [Theory]
    [InlineData("")]
    [InlineData("12 (x S 1")]
    [InlineData("12 (x) S")]
    [InlineData("abc (x) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5 6 7")]
    [InlineData("12 (x) SS 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5 6 7")]
    [InlineData("12 (x) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5 6")]
    public void Rejects_truncated_or_malformed(string text)
    {
        Assert.False(ProcStatParser.TryParse(Encoding.UTF8.GetBytes(text), out _));
    }
}
