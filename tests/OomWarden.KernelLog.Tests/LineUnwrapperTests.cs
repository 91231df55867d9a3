using System.Text;
using OomWarden.KernelLog.Model;
using OomWarden.KernelLog.Parsing;

namespace OomWarden.KernelLog.Tests;

public class LineUnwrapperTests
{
    private const string Msg = "hog invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0";

    [Theory]
    [InlineData("[  394.158309] " + Msg, LogWrapper.DmesgMonotonic, "394.158309", null, 394.158309)]
    [InlineData("[  394.158309] [  T4617] " + Msg, LogWrapper.DmesgMonotonic, "394.158309", null, 394.158309)]
    [InlineData("[  394.158309][    C0] " + Msg, LogWrapper.DmesgMonotonic, "394.158309", null, 394.158309)]
    [InlineData("[Sun Nov 22 23:42:47 2026] " + Msg, LogWrapper.DmesgWallClock, "Sun Nov 22 23:42:47 2026", null, double.NaN)]
    [InlineData("4,341,394158309,-;" + Msg, LogWrapper.Kmsg, "394158309", null, 394.158309)]
    [InlineData("4,341,394158309,-,caller=T4617;" + Msg, LogWrapper.Kmsg, "394158309", null, 394.158309)]
    [InlineData("<4>[  394.158309] " + Msg, LogWrapper.DmesgRaw, "394.158309", null, 394.158309)]
    [InlineData("kern  :warn  : [  394.158309] " + Msg, LogWrapper.DmesgMonotonic, "394.158309", null, 394.158309)]
    [InlineData("Nov 22 23:42:47 vmlab kernel: " + Msg, LogWrapper.Syslog, "Nov 22 23:42:47", "vmlab", double.NaN)]
    [InlineData("Nov  2 23:42:47.123456 vmlab kernel: " + Msg, LogWrapper.JournalPrecise, "Nov  2 23:42:47.123456", "vmlab", double.NaN)]
    [InlineData("2026-11-22T23:42:47+0000 vmlab kernel: " + Msg, LogWrapper.JournalIso, "2026-11-22T23:42:47+0000", "vmlab", double.NaN)]
    [InlineData("[  394.158309] vmlab kernel: " + Msg, LogWrapper.JournalMonotonic, "394.158309", "vmlab", 394.158309)]
    [InlineData("Nov 22 23:42:47 vmlab kernel: [  394.158309] " + Msg, LogWrapper.Syslog, "Nov 22 23:42:47", "vmlab", 394.158309)]
    [InlineData("2026-11-22T23:42:47.158309+00:00 vmlab kernel: " + Msg, LogWrapper.SyslogRfc3339, "2026-11-22T23:42:47.158309+00:00", "vmlab", double.NaN)]
    [InlineData("<4>1 2026-11-22T23:42:47.158309+00:00 vmlab kernel - - - " + Msg, LogWrapper.SyslogRfc5424, "2026-11-22T23:42:47.158309+00:00", "vmlab", double.NaN)]
    [InlineData("> [  394.158309] " + Msg, LogWrapper.DmesgMonotonic, "394.158309", null, 394.158309)]
    [InlineData("> > >[  394.158309] " + Msg, LogWrapper.DmesgMonotonic, "394.158309", null, 394.158309)]
    [InlineData("    [  394.158309] " + Msg, LogWrapper.DmesgMonotonic, "394.158309", null, 394.158309)]
    [InlineData("\t" + Msg + "\r", LogWrapper.None, null, null, double.NaN)]
    [InlineData(Msg, LogWrapper.None, null, null, double.NaN)]
    public void Strips_each_wrapper(string raw, LogWrapper wrapper, string? time, string? host, double uptime)
    {
        LineUnwrapper.Unwrap(Encoding.UTF8.GetBytes(raw), out var u);
        Assert.Equal(wrapper, u.Wrapper);
        Assert.Equal(Msg, Encoding.UTF8.GetString(u.Message));
        Assert.Equal(time, u.Time.IsEmpty ? null : Encoding.UTF8.GetString(u.Time));
        Assert.Equal(host, u.Host.IsEmpty ? null : Encoding.UTF8.GetString(u.Host));
        if (double.IsNaN(uptime)) Assert.True(double.IsNaN(u.UptimeSeconds));
        else Assert.Equal(uptime, u.UptimeSeconds, 6);
        Assert.False(u.IsForeign);
        // only the plain BSD stamp is shared by journalctl short and a syslog file
        Assert.Equal(raw.StartsWith("Nov 22 23:42:47 vmlab kernel: hog", StringComparison.Ordinal), u.AmbiguousBsd);
    }

    [Theory]
    [InlineData("Nov 22 23:42:47 vmlab systemd[1]: kl1.scope: A process of this unit has been killed by the OOM killer.")]
    [InlineData("2026-11-22T23:42:47.1+00:00 vmlab sshd[812]: Accepted publickey for admin")]
    public void Lines_from_other_programs_are_foreign(string raw)
    {
        LineUnwrapper.Unwrap(Encoding.UTF8.GetBytes(raw), out var u);
        Assert.True(u.IsForeign);
    }

    [Theory]
    [InlineData("[   4617]     0  4617    17019    16566 hog")] // a task row is not a dmesg stamp
    [InlineData("[  pid  ]   uid  tgid total_vm      rss name")]
    [InlineData("262014 pages RAM")]
    [InlineData("Node 0 DMA free:4432kB")]
    [InlineData("Mem-Info:")]
    public void Kernel_text_that_looks_like_a_prefix_is_left_alone(string raw)
    {
        LineUnwrapper.Unwrap(Encoding.UTF8.GetBytes(raw), out var u);
        Assert.Equal(LogWrapper.None, u.Wrapper);
        Assert.Equal(raw, Encoding.UTF8.GetString(u.Message));
    }

    [Fact]
    public void Continuation_lines_report_their_indent()
    {
        LineUnwrapper.Unwrap("               file 0"u8, out var u);
        Assert.Equal(15, u.Indent);
        Assert.Equal("file 0", Encoding.UTF8.GetString(u.Message));
        LineUnwrapper.Unwrap("> file 0"u8, out u);
        Assert.Equal(1, u.Indent);
    }
}
