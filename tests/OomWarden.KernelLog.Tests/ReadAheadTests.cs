using System.Text;
using OomWarden.KernelLog.Output;
using OomWarden.KernelLog.Parsing;

namespace OomWarden.KernelLog.Tests;

/// <summary>
/// The reader with its input read ahead on a thread of its own (<see cref="ReadAhead"/>: the chunks change hands,
/// the unfinished line of each is put in front of the next) gives what it gives reading itself: every fixture, read
/// in pieces of any size (short reads put chunk ends everywhere, inside markers and lines); a read error after the
/// reports read before it; a line longer than a chunk.
/// </summary>
public class ReadAheadTests
{
    private static List<string> Read(byte[] bytes, bool readAhead, int maxRead = int.MaxValue, long failAt = -1)
    {
        var got = new List<string>();
        var reader = new OomLogReader(r => got.Add(OomReportJson.ToJsonLine(r)), holdForBootInfo: true);
        reader.Assembler.RecycleReports = true;
        reader.ReadToEnd(new PiecesStream(bytes, maxRead, failAt, new Random(bytes.Length)), TestContext.Current.CancellationToken, readAhead);
        return got;
    }

    /// <summary>All fixture logs one after the other, with 300 lines of noise between them (the reader skips those).</summary>
    private static byte[] Corpus()
    {
        var noise = new StringBuilder();
        for (int i = 0; i < 300; i++) noise.Append($"[{50 + i * 0.01,12:F6}] e1000e 0000:00:19.0 eth0: NIC Link is Up 1000 Mbps Full Duplex {i}\n");
        var all = new MemoryStream();
        foreach (var name in Fixtures.LogNames())
        {
            all.Write(Fixtures.Bytes(name));
            all.Write(Encoding.UTF8.GetBytes("\n" + noise));
        }
        return all.ToArray();
    }

    [Theory]
    [InlineData(int.MaxValue)] // whole chunks
    [InlineData(4096)]
    [InlineData(700)] // chunks shorter than many lines
    [InlineData(13)] // shorter than the longest marker
    public void Every_fixture_gives_the_same_reports_read_ahead_in_pieces_of_any_size(int maxRead)
    {
        var bytes = Corpus();
        var want = Read(bytes, readAhead: false);
        Assert.True(want.Count > 50, $"{want.Count} reports");
        Assert.Equal(want, Read(bytes, readAhead: true, maxRead));
    }

    [Fact]
    public void A_read_error_comes_after_the_reports_read_before_it()
    {
        var bytes = Corpus();
        long failAt = bytes.Length / 2;
        var got = new List<string>();
        var reader = new OomLogReader(r => got.Add(OomReportJson.ToJsonLine(r)), holdForBootInfo: true);
        var e = Assert.Throws<IOException>(() => reader.ReadToEnd(new PiecesStream(bytes, 5000, failAt, new Random(1)), TestContext.Current.CancellationToken, readAhead: true));
        Assert.Equal("read failed", e.Message);
        // what a reader that stopped there would have given, once completed (as analyze does after damaged gzip)
        reader.Complete();
        var want = OomLogReader.ReadAll(bytes.AsSpan(0, (int)failAt)).Select(OomReportJson.ToJsonLine).ToList();
        Assert.Equal(want, got);
    }

    [Fact]
    public void A_line_longer_than_a_chunk_loses_nothing_after_it()
    {
        var report = Fixtures.Bytes("k6.1-global.dmesg.log");
        var all = new MemoryStream();
        all.Write(report);
        all.Write(new byte[3 << 20]); // NULs, no newline
        all.WriteByte((byte)'\n');
        all.Write(report);
        var bytes = all.ToArray();
        var want = Read(bytes, readAhead: false);
        Assert.Equal(2, want.Count);
        Assert.Equal(want, Read(bytes, readAhead: true));
        Assert.Equal(want, Read(bytes, readAhead: true, maxRead: 100_000));
    }

    [Fact]
    public void The_reaper_window_ends_at_the_same_byte_read_ahead()
    {
        // the window after a kill line is counted in input offsets: the chunks' changing hands must keep them
        var lines = File.ReadAllLines(Fixtures.PathOf("reconstructed-4.15-global.log"));
        int reaper = Array.FindIndex(lines, l => l.Contains("oom_reaper:", StringComparison.Ordinal));
        var joined = new HashSet<bool>();
        // (the first 64 lines of an input are read in full: the window starts after them, some 500 bytes into the gap)
        for (int gap = OomLogReader.AfterKillBytes + 300; gap <= OomLogReader.AfterKillBytes + 800; gap += 7)
        {
            var sb = new StringBuilder();
            foreach (var l in lines[..reaper]) sb.Append(l).Append('\n');
            int before = sb.Length;
            for (int n = 0; sb.Length - before < gap - 200; n++) sb.Append($"[53121.6{n:00000}] e1000e: eth0 NIC Link is Up {n}\n");
            sb.Append('[').Append('x', gap - (sb.Length - before) - 2).Append("]\n"); // the gap to the byte
            foreach (var l in lines[reaper..]) sb.Append(l).Append('\n');
            var bytes = Encoding.ASCII.GetBytes(sb.ToString());
            var want = Read(bytes, readAhead: false);
            joined.Add(want.Single().Contains("\"reaped_pid\":2905", StringComparison.Ordinal));
            Assert.Equal(want, Read(bytes, readAhead: true, maxRead: 3000));
        }
        Assert.Equal(2, joined.Count); // the window's end was inside the range tried
    }

    /// <summary>Gives its bytes in reads of 1 to maxRead bytes, and fails (IOException) once failAt bytes are given.</summary>
    private sealed class PiecesStream(byte[] bytes, int maxRead, long failAt, Random rnd) : Stream
    {
        private int _at;

        public override int Read(byte[] buffer, int offset, int count)
        {
            if (failAt >= 0 && _at >= failAt) throw new IOException("read failed");
            int n = Math.Min(Math.Min(count, bytes.Length - _at), maxRead == int.MaxValue ? int.MaxValue : rnd.Next(1, maxRead + 1));
            if (failAt >= 0) n = (int)Math.Min(n, failAt - _at);
            Array.Copy(bytes, _at, buffer, offset, n);
            _at += n;
            return n;
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _at; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
