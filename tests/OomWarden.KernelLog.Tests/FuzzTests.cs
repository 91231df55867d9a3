using OomWarden.KernelLog.Model;
using OomWarden.KernelLog.Output;
using OomWarden.KernelLog.Parsing;

namespace OomWarden.KernelLog.Tests;

/// <summary>
/// Arbitrary bytes in: never an exception, memory bounded. One million inputs: windows of corpus files mutated
/// (bit flips, byte insertions and deletions, duplicated or dropped spans, splices of two files, OOM tokens
/// inserted at random places) plus pure random bytes; each fed in random chunk sizes, every report rendered as
/// JSON and text. Fixed seed, so a failure is reproducible; the failing input is written to the temp dir.
/// </summary>
public class FuzzTests
{
    private const int Inputs = 1_000_000;

    private static readonly byte[][] Tokens =
    [
        "invoked oom-killer: gfp_mask="u8.ToArray(), "Killed process "u8.ToArray(), "Kill process "u8.ToArray(),
        " score "u8.ToArray(), "oom-kill:constraint="u8.ToArray(), ",oom_memcg="u8.ToArray(), ",task_memcg="u8.ToArray(),
        "Mem-Info:"u8.ToArray(), "Node 0 "u8.ToArray(), "Tasks state"u8.ToArray(), "[  pid  ]   uid  tgid total_vm      rss name"u8.ToArray(),
        "[ 1234]"u8.ToArray(), "memory: usage "u8.ToArray(), "Memory cgroup stats for "u8.ToArray(), "#012"u8.ToArray(),
        "\\x0a"u8.ToArray(), "6,1,2,-;"u8.ToArray(), "[    1.000000] "u8.ToArray(), "Nov 22 23:43:58 h kernel: "u8.ToArray(),
        "> "u8.ToArray(), "\n"u8.ToArray(), "\r\n"u8.ToArray(), "kB"u8.ToArray(), "("u8.ToArray(), ")"u8.ToArray(), ","u8.ToArray(),
        "-1000"u8.ToArray(), "99999999999999999999999"u8.ToArray(), "\0"u8.ToArray(), "\xff\xfe"u8.ToArray(), "hugepages_total="u8.ToArray(),
        "oom_reaper: reaped process "u8.ToArray(), "Tasks in /x are going to be killed due to memory.oom.group set"u8.ToArray(),
        "Task in /a killed as a result of limit of /b"u8.ToArray(), "Unreclaimable slab info:"u8.ToArray(), "Linux version "u8.ToArray(),
    ];

    [Fact]
    public void A_million_random_and_mutated_inputs_never_throw()
    {
        var corpus = Fixtures.LogNames().Select(Fixtures.Bytes).ToArray();
        int seed = int.TryParse(Environment.GetEnvironmentVariable("OOMWARDEN_FUZZ_SEED"), out int s) ? s : 20261122;
        var rnd = new Random(seed);
        int reports = 0;
        var reader = new OomLogReader(holdForBootInfo: true, emit: r =>
        {
            reports++;
            _ = OomReportJson.ToJsonLine(r);
            if ((reports & 63) == 0) OomReportText.Write(TextWriter.Null, r);
        });
        var buffer = new byte[64 * 1024];
        long before = GC.GetTotalMemory(true);
        for (int i = 0; i < Inputs; i++)
        {
            int len = i % 10 == 9 ? RandomBytes(rnd, buffer) : Mutated(rnd, corpus, buffer);
            try
            {
                reader.Reset();
                var input = buffer.AsSpan(0, len);
                while (!input.IsEmpty)
                {
                    int n = Math.Min(input.Length, rnd.Next(4) == 0 ? rnd.Next(1, 8) : rnd.Next(1, 4096));
                    reader.Feed(input.Slice(0, n));
                    input = input.Slice(n);
                }
                reader.Complete();
            }
            catch (Exception e)
            {
                string path = Path.Combine(Path.GetTempPath(), $"oomwarden-fuzz-{i}.log");
                File.WriteAllBytes(path, buffer.AsSpan(0, len).ToArray());
                Assert.Fail($"seed {seed} input {i} ({len} bytes, saved to {path}) threw {e}");
            }
        }
        long after = GC.GetTotalMemory(true);
        Assert.True(reports > Inputs / 10, $"only {reports} reports from {Inputs} inputs: the mutator no longer produces OOM text");
        Assert.True(after - before < 16L << 20, $"retained {after - before} bytes after {Inputs} inputs");
    }

    private static int RandomBytes(Random rnd, byte[] buffer)
    {
        int len = rnd.Next(0, 2048);
        rnd.NextBytes(buffer.AsSpan(0, len));
        if (rnd.Next(2) == 0)
            for (int j = 0; j < len; j++) // printable with newlines: gets past the line splitter more often
                buffer[j] = (byte)(buffer[j] % 11 == 0 ? '\n' : 32 + buffer[j] % 95);
        return len;
    }

    private static int Mutated(Random rnd, byte[][] corpus, byte[] buffer)
    {
        var src = corpus[rnd.Next(corpus.Length)];
        int winLen = Math.Min(src.Length, rnd.Next(64, 1600));
        int start = rnd.Next(0, Math.Max(1, src.Length - winLen));
        var data = new List<byte>(winLen + 256);
        data.AddRange(src.AsSpan(start, winLen).ToArray());
        int mutations = rnd.Next(0, 8);
        for (int m = 0; m < mutations && data.Count > 0; m++)
        {
            int at = rnd.Next(data.Count);
            switch (rnd.Next(7))
            {
                case 0: data[at] ^= (byte)(1 << rnd.Next(8)); break;
                case 1: data.Insert(at, (byte)rnd.Next(256)); break;
                case 2: data.RemoveRange(at, Math.Min(rnd.Next(1, 40), data.Count - at)); break;
                case 3: data.InsertRange(at, Tokens[rnd.Next(Tokens.Length)]); break;
                case 4:
                    int len = Math.Min(rnd.Next(1, 200), data.Count - at);
                    data.InsertRange(rnd.Next(data.Count), data.GetRange(at, len));
                    break;
                case 5:
                    var other = corpus[rnd.Next(corpus.Length)];
                    int os = rnd.Next(other.Length), ol = Math.Min(rnd.Next(1, 400), other.Length - os);
                    data.InsertRange(at, other.AsSpan(os, ol).ToArray());
                    break;
                case 6: data.RemoveRange(at, data.Count - at); break; // truncation
            }
        }
        int n = Math.Min(data.Count, buffer.Length);
        data.CopyTo(0, buffer, 0, n);
        return n;
    }

    [Fact]
    public void Memory_stays_bounded_on_endless_reports_and_lines()
    {
        var reader = new OomLogReader(_ => { });
        long before = GC.GetTotalMemory(true);
        reader.Feed("[    1.000000] hog invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0\n[    1.000001] Tasks state (memory values in pages):\n"u8);
        var row = "[    1.000002] [   4617]     0  4617    17019    16566    16320      246         0   176128        0             0 hog\n"u8.ToArray();
        for (int i = 0; i < 300_000; i++) reader.Feed(row); // 33 MB of task rows in one event
        var longLine = new byte[1 << 20];
        longLine.AsSpan().Fill((byte)'x');
        for (int i = 0; i < 32; i++) reader.Feed(longLine); // a 32 MB line without a newline
        long during = GC.GetTotalMemory(true);
        reader.Complete();
        Assert.True(during - before < 48L << 20, $"{during - before} bytes held while reading 65 MB");
    }
}
