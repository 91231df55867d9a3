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

    /// <summary>
    /// The dmesg stamp, read at fixed places for printk's "[%5lu.%06lu]" and scanned otherwise, gives what the scan's
    /// rules give (blanks, digits, a dot, digits, blanks, then ']'; the seconds as whole + fraction × 10^-digits, the
    /// fraction cut at 9 digits), bit for bit, for stamps of every nearby shape.
    /// </summary>
    [Fact]
    public void The_dmesg_stamp_is_read_the_same_whatever_its_shape()
    {
        double[] pow = [1, 1e-1, 1e-2, 1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8, 1e-9];
        var rnd = new Random(394158309);
        for (int round = 0; round < 200_000; round++)
        {
            var sb = new StringBuilder("[");
            int shape = rnd.Next(4);
            int blanks = shape == 0 ? 5 - (1 + rnd.Next(5)) : rnd.Next(4);
            string whole = Digits(rnd, shape == 0 ? 5 - blanks : rnd.Next(0, 8));
            string frac = Digits(rnd, shape == 0 ? 6 : rnd.Next(0, 11));
            for (int k = 0; k < blanks; k++) sb.Append(shape == 1 && rnd.Next(3) == 0 ? '\t' : ' ');
            sb.Append(whole);
            if (shape != 2 || rnd.Next(4) != 0) sb.Append('.');
            sb.Append(frac);
            if (shape == 3) sb.Append(' ', rnd.Next(3));
            if (rnd.Next(50) == 0) sb[rnd.Next(1, sb.Length)] = (char)rnd.Next(0x21, 0x7f); // a stray byte anywhere
            if (rnd.Next(50) != 0) sb.Append(']');
            sb.Append(" hello world");
            string line = sb.ToString();

            // the rules, written out
            var m = System.Text.RegularExpressions.Regex.Match(line, @"^\[[ \t]*([0-9]+)\.([0-9]+)[ \t]*\]");
            LineUnwrapper.Unwrap(Encoding.ASCII.GetBytes(line), out var u);
            if (m.Success && m.Length - 1 < 40)
            {
                string w = m.Groups[1].Value, f = m.Groups[2].Value;
                long wv = long.Parse(w);
                long fv = f.Length > 9 ? long.Parse(f.Substring(0, 9)) : long.Parse(f);
                double expected = wv + fv * pow[Math.Min(f.Length, 9)];
                Assert.Equal(LogWrapper.DmesgMonotonic, u.Wrapper);
                Assert.Equal(w + "." + f, Encoding.ASCII.GetString(u.Time));
                Assert.Equal(BitConverter.DoubleToInt64Bits(expected), BitConverter.DoubleToInt64Bits(u.UptimeSeconds));
                Assert.Equal(line.Substring(m.Length).TrimStart(' ', '\t'), Encoding.ASCII.GetString(u.Message));
            }
            else
            {
                Assert.Equal(LogWrapper.None, u.Wrapper);
                Assert.Equal(line, Encoding.ASCII.GetString(u.Message));
            }
        }
    }

    /// <summary>
    /// After printk's stamp, the caller id and journalctl short-monotonic's "host kernel: " are taken off as their rules
    /// say (written out below as patterns), whatever the length of what follows: the searches for the first blank read
    /// words of 8 and 16 bytes, overlapping near the end.
    /// </summary>
    [Fact]
    public void What_follows_the_stamp_is_read_the_same_whatever_its_length()
    {
        string[] pieces = ["host", "kernel:", "kernel: ", " ", "  ", "\t", "[", "]", "T12", "C0", "x", "a-b.c", "[ T4617]", "[    C0]"];
        var callerId = new System.Text.RegularExpressions.Regex(@"^\[[ \t]*[TC][0-9]+[ \t]*\]");
        var journal = new System.Text.RegularExpressions.Regex(@"^([^ ]{1,69}) kernel: ");
        var rnd = new Random(20261202);
        for (int round = 0; round < 200_000; round++)
        {
            var sb = new StringBuilder();
            int target = rnd.Next(0, 90);
            while (sb.Length < target)
            {
                if (rnd.Next(4) == 0) sb.Append('w', rnd.Next(1, 40));
                else sb.Append(pieces[rnd.Next(pieces.Length)]);
            }
            string after = sb.ToString();
            string line = "[  100.000731]" + (rnd.Next(3) == 0 ? "" : " ") + after;
            LineUnwrapper.Unwrap(Encoding.ASCII.GetBytes(line), out var u);

            string rest = line.Substring(14).TrimStart(' ', '\t');
            var c = callerId.Match(rest);
            if (c.Success && c.Length - 1 < 16) rest = rest.Substring(c.Length).TrimStart(' ', '\t');
            var j = journal.Match(rest);
            Assert.Equal(j.Success ? LogWrapper.JournalMonotonic : LogWrapper.DmesgMonotonic, u.Wrapper);
            Assert.Equal(j.Success ? j.Groups[1].Value : "", Encoding.ASCII.GetString(u.Host));
            if (j.Success) rest = rest.Substring(j.Length);
            Assert.Equal(rest.TrimStart(' ', '\t'), Encoding.ASCII.GetString(u.Message));
        }
    }

    /// <summary>Blanks and quote marks before the content, of every length: the indent counts the blanks after the last mark.</summary>
    [Fact]
    public void The_indent_is_counted_the_same_whatever_its_length()
    {
        var rnd = new Random(16);
        for (int round = 0; round < 100_000; round++)
        {
            var sb = new StringBuilder();
            int n = rnd.Next(0, 40);
            for (int k = 0; k < n; k++) sb.Append(rnd.Next(8) switch { 0 => '\t', 1 => '>', 2 => '|', _ => ' ' });
            string prefix = sb.ToString();
            LineUnwrapper.Unwrap(Encoding.ASCII.GetBytes(prefix + "file 0"), out var u);
            int lastMark = prefix.LastIndexOfAny(['>', '|']);
            Assert.Equal(prefix.Length - lastMark - 1, u.Indent);
            Assert.Equal("file 0", Encoding.ASCII.GetString(u.Message));
        }
    }

    private static string Digits(Random rnd, int n)
    {
        var c = new char[n];
        for (int k = 0; k < n; k++) c[k] = (char)('0' + rnd.Next(10));
        return new string(c);
    }
}
