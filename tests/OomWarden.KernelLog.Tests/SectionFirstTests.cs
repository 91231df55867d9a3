using System.Text;
using OomWarden.KernelLog.Output;
using OomWarden.KernelLog.Parsing;

namespace OomWarden.KernelLog.Tests;

/// <summary>
/// The report path's shortcuts give what the long way gives: a line read as a memcg stat inside a stats block
/// (without classifying it) is one the classifier calls unrelated, and the held-back line kept as a reference
/// into the read buffer survives the buffer's refills and compactions.
/// </summary>
public class SectionFirstTests
{
    private static readonly string[] Pieces =
    [
        "a", "z", "_", "0", "9", "ill", "kill", "killed", "oom", "oom_reaper", "mem_cgroup_out_of_memory", "hostname",
        "cpuset", "pages", "total", "reserved", "swap", "memory", "kmem", "cache", "rss", "anon", "file_dirty",
    ];

    [Fact]
    public void A_line_read_as_a_stat_is_one_the_classifier_calls_unrelated()
    {
        var rnd = new Random(20261202);
        int accepted = 0;
        for (int i = 0; i < 200_000; i++)
        {
            var sb = new StringBuilder();
            for (int p = rnd.Next(1, 5); p > 0; p--) sb.Append(Pieces[rnd.Next(Pieces.Length)]);
            sb.Append(' ', rnd.Next(1, 3));
            if (rnd.Next(4) == 0) sb.Append(rnd.Next(2) == 0 ? '-' : '+');
            sb.Append(rnd.NextInt64(0, long.MaxValue) >> rnd.Next(64));
            if (rnd.Next(8) == 0) sb.Append(' ', rnd.Next(1, 3));
            if (rnd.Next(16) == 0) sb.Append(" pages RAM");
            var line = Encoding.ASCII.GetBytes(sb.ToString());
            if (!MessageParsers.TryStatLine(line, out var key, out _)) continue;
            accepted++;
            var kind = MessageClassifier.Classify(line);
            if (MessageParsers.MayBeOtherKind(key)) Assert.Equal(LineKind.MemcgCallTrace, kind);
            else Assert.True(kind == LineKind.Unrelated, $"{sb}: {kind}");
        }
        Assert.True(accepted > 100_000, $"only {accepted} stat lines made");
    }

    [Fact]
    public void A_log_read_in_random_chunks_through_the_smallest_buffer_gives_what_one_read_gives()
    {
        // all fixture logs, several times: far more than the buffer holds, so it is compacted and refilled while a line is held back
        var all = new MemoryStream();
        for (int round = 0; round < 3; round++)
            foreach (var name in Fixtures.LogNames()) all.Write(Fixtures.Bytes(name));
        var bytes = all.ToArray();
        Assert.True(bytes.Length > 4 * OomLogReader.MinBufferBytes);
        var want = OomLogReader.ReadAll(bytes).Select(OomReportJson.ToJsonLine).ToList();
        var rnd = new Random(7);
        var got = new List<string>();
        var reader = new OomLogReader(r => got.Add(OomReportJson.ToJsonLine(r)), holdForBootInfo: true, bufferBytes: OomLogReader.MinBufferBytes);
        var rest = bytes.AsSpan();
        while (!rest.IsEmpty)
        {
            // a line at a time (as a follower feeds records: the buffer restarts at 0 after each), or any cut
            int nl = rest.IndexOf((byte)'\n');
            int n = rnd.Next(2) == 0 && nl >= 0 ? nl + 1 : Math.Min(rest.Length, rnd.Next(3) == 0 ? rnd.Next(1, 64) : rnd.Next(1, 40_000));
            reader.Feed(rest[..n]);
            rest = rest[n..];
        }
        reader.Complete();
        Assert.Equal(want, got);
    }
}
