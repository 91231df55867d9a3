using System.Text;
using OomWarden.KernelLog.Model;
using OomWarden.KernelLog.Output;
using OomWarden.KernelLog.Parsing;

namespace OomWarden.KernelLog.Tests;

/// <summary>Each kind of damage, applied here to a captured report, must leave the facts it did not destroy.</summary>
public class DamageTests
{
    private static List<OomReport> Read(string text) => OomLogReader.ReadAll(Encoding.UTF8.GetBytes(text));

    private static string Captured => File.ReadAllText(Fixtures.PathOf("k6.1-globaladj.dmesg.log"));

    private static void AssertSameFacts(OomReport want, OomReport got)
    {
        Assert.Equal(want.TriggerComm, got.TriggerComm);
        Assert.Equal(want.TriggerPid, got.TriggerPid);
        Assert.Equal(want.GfpMask, got.GfpMask);
        Assert.Equal(want.Constraint, got.Constraint);
        Assert.Equal(want.Killed?.Pid, got.Killed?.Pid);
        Assert.Equal(want.Killed?.AnonRssKb, got.Killed?.AnonRssKb);
        Assert.Equal(want.KilledOomScoreAdj, got.KilledOomScoreAdj);
        Assert.Equal(want.TaskTableRows, got.TaskTableRows);
        Assert.Equal(want.PagesRam, got.PagesRam);
        Assert.Equal(want.MemInfo("shmem"), got.MemInfo("shmem"));
    }

    [Theory]
    [InlineData(40)]
    [InlineData(80)]
    [InlineData(133)]
    public void Lines_folded_at_any_width_are_joined_back(int width)
    {
        var want = Read(Captured);
        var folded = new StringBuilder();
        foreach (var line in Captured.Split('\n'))
        {
            var l = line;
            while (l.Length > width) { folded.Append(l, 0, width).Append('\n'); l = l[width..]; }
            folded.Append(l).Append('\n');
        }
        var got = Read(folded.ToString());
        Assert.Equal(want.Count, got.Count);
        for (int i = 0; i < want.Count; i++) AssertSameFacts(want[i], got[i]);
    }

    [Fact]
    public void Crlf_line_ends_and_mail_quoting_change_nothing()
    {
        var want = Read(Captured);
        var got = Read(string.Join("\r\n", Captured.Split('\n').Select(l => "> " + l)));
        Assert.Equal(want.Count, got.Count);
        for (int i = 0; i < want.Count; i++) AssertSameFacts(want[i], got[i]);
    }

    [Fact]
    public void Interleaved_noise_between_every_line_changes_nothing()
    {
        var want = Read(Captured);
        var noisy = string.Join("\n", Captured.Split('\n').Select(l => l + "\n[   99.000000] usb 1-1: new high-speed USB device number 3 using xhci_hcd"));
        var got = Read(noisy);
        Assert.Equal(want.Count, got.Count);
        for (int i = 0; i < want.Count; i++) AssertSameFacts(want[i], got[i]);
    }

    [Fact]
    public void Truncated_numbers_become_null_not_wrong()
    {
        var r = Assert.Single(Read("[ 1.0] Out of memory: Killed process 4617 (hog) total-vm:68076kB, anon-rss:652"));
        Assert.Equal(4617, r.Killed!.Pid);
        Assert.Equal("hog", r.Killed.Comm);
        Assert.Equal(68076, r.Killed.TotalVmKb);
        Assert.Null(r.Killed.AnonRssKb);
        Assert.Null(r.Killed.FileRssKb);
    }

    [Fact]
    public void A_report_cut_anywhere_still_yields_what_it_shows()
    {
        var full = Encoding.UTF8.GetBytes(Captured);
        for (int cut = 0; cut < full.Length; cut += 97)
        {
            var reports = OomLogReader.ReadAll(full.AsSpan(0, cut));
            foreach (var r in reports) _ = OomReportJson.ToJsonLine(r);
            if (cut > full.Length / 4) Assert.NotEmpty(reports); // the first trigger line is long past
        }
    }

    [Fact]
    public void Feeding_in_any_chunk_size_gives_the_same_reports()
    {
        var rnd = new Random(5);
        foreach (var name in Fixtures.LogNames())
        {
            var bytes = Fixtures.Bytes(name);
            var want = OomLogReader.ReadAll(bytes).Select(OomReportJson.ToJsonLine).ToList();
            var got = new List<string>();
            var reader = new OomLogReader(r => got.Add(OomReportJson.ToJsonLine(r)), holdForBootInfo: true); // as ReadAll
            var rest = bytes.AsSpan();
            while (!rest.IsEmpty)
            {
                int n = Math.Min(rest.Length, rnd.Next(1, 300));
                reader.Feed(rest[..n]);
                rest = rest[n..];
            }
            reader.Complete();
            Assert.Equal(want, got);
        }
    }

    [Fact]
    public void Mem_info_printed_for_something_else_is_not_an_event()
    {
        // A page allocation failure warning (warn_alloc) and SysRq-m print Mem-Info too, but nobody was killed.
        string text = """
            [  100.000001] kworker/0:1: page allocation failure: order:4, mode:0x40cc0(GFP_KERNEL|__GFP_COMP), nodemask=(null),cpuset=/,mems_allowed=0
            [  100.000002] CPU: 0 PID: 42 Comm: kworker/0:1 Not tainted 6.1.0-56-amd64 #1  Debian 6.1.192-2
            [  100.000003] Mem-Info:
            [  100.000004] active_anon:825 inactive_anon:225625 isolated_anon:0
            [  100.000005] Node 0 DMA32 free:44120kB boost:0kB min:44344kB low:55428kB high:66512kB
            [  100.000006] Free swap  = 0kB
            [  100.000007] Total swap = 0kB
            [  100.000008] 262014 pages RAM
            [  200.000001] sysrq: Show Memory
            [  200.000002] Mem-Info:
            [  200.000003] active_anon:825 inactive_anon:225625 isolated_anon:0
            [  200.000004] 262014 pages RAM
            """;
        Assert.Empty(Read(text));
        var withOom = text + "\n" + File.ReadAllText(Fixtures.PathOf("k6.1-v2memcg.dmesg.log"));
        var r = Assert.Single(Read(withOom));
        Assert.Equal(136, r.Killed!.Pid);
        Assert.Null(r.PagesRam); // the earlier dumps' counters do not leak into the OOM event
    }

    [Fact]
    public void Multi_line_record_escapes_are_split()
    {
        string syslog = "Nov 22 23:43:58 vmlab kernel: [    7.747650] Memory cgroup stats for /kl1:#012anon 66879488#012file 0#012shmem 4096\n"
            + "Nov 22 23:43:58 vmlab kernel: [    7.749194] Memory cgroup out of memory: Killed process 136 (hog) total-vm:68068kB, anon-rss:65236kB, file-rss:1100kB, shmem-rss:0kB, UID:0 pgtables:172kB oom_score_adj:0\n";
        var r = Assert.Single(Read(syslog));
        Assert.Equal(LogFormat.Syslog, r.Format);
        Assert.Equal(66879488, r.MemcgStat("anon"));
        Assert.Equal(4096, r.MemcgStat("shmem"));
        string kmsg = "6,438,7748039,-;Memory cgroup stats for /kl1:\n6,439,7748040,-;anon 66879488\\x0afile 0\\x0ashmem 4096\n"
            + "3,440,7749194,-;Memory cgroup out of memory: Killed process 136 (hog) total-vm:68068kB, anon-rss:65236kB, file-rss:1100kB, shmem-rss:0kB\n";
        r = Assert.Single(Read(kmsg));
        Assert.Equal(LogWrapper.Kmsg, r.Wrapper);
        Assert.Equal(4096, r.MemcgStat("shmem"));
        Assert.Equal(7.748039, r.UptimeSeconds!.Value, 6);
    }
    // Between reports the reader jumps from marker to marker, a line at a time only where one is. A line longer than
    // its buffer with no end in it (a run of NULs left by a crash, a pasted blob) used to stop the reading there: the
    // buffer filled with it, and the reports after it were lost.
    [Theory]
    [InlineData((byte)'x', false)]
    [InlineData((byte)0, false)]
    [InlineData((byte)'x', true)] // the long line says "kill" early on: it is read, cut, as in an event
    public void A_line_longer_than_the_buffer_between_reports_loses_nothing_after_it(byte fill, bool marker)
    {
        var noise = new StringBuilder();
        for (int i = 0; i < 100; i++) noise.Append($"[{100 + i * 0.01,12:F6}] usb 1-1: new device {i}\n");
        var report = File.ReadAllText(Fixtures.PathOf("k6.1-global.dmesg.log"));
        var longLine = new byte[3 << 20];
        longLine.AsSpan().Fill(fill);
        if (marker) "pkill -9 "u8.CopyTo(longLine.AsSpan(1000));
        var input = new MemoryStream();
        void Add(string s) { var b = Encoding.UTF8.GetBytes(s); input.Write(b); }
        Add(noise + report + noise);
        input.Write(longLine);
        Add("\n" + noise + report);
        var bytes = input.ToArray();

        var fromStream = OomLogReader.ReadAll(new MemoryStream(bytes));
        Assert.Equal(2, fromStream.Count);
        AssertSameFacts(fromStream[0], fromStream[1]);
        Assert.Equal(2, OomLogReader.ReadAll(bytes).Count);
        var pieces = new List<OomReport>();
        var reader = new OomLogReader(pieces.Add, holdForBootInfo: true);
        for (int at = 0; at < bytes.Length; at += 70_001) reader.Feed(bytes.AsSpan(at, Math.Min(70_001, bytes.Length - at)));
        reader.Complete();
        Assert.Equal(2, pieces.Count);
    }
}
