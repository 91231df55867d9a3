using System.IO.Compression;
using System.Text;
using OomWarden.Commands;

namespace OomWarden.Tests.Commands;

/// <summary>
/// analyze with its output thread (<see cref="ReportPipeline"/>), and with its input read ahead on a third
/// (<see cref="KernelLog.Parsing.OomLogReader.ReadToEnd"/>'s readAhead), prints exactly what it prints on one thread: every
/// fixture log, many reports in one input (more than the batches and the pool hold), several inputs with their
/// restart-loop sections, gzip damaged in the middle, an output that closes.
/// </summary>
[Collection(nameof(ReportPipelineTests))] // Forced and ReadAheadFromBytes are process-wide
public class ReportPipelineTests
{
    private static readonly string Corpus = AnalyzeCommandTests.Corpus;

    private enum Mode { OneThread, Pipeline, PipelineReadAhead }

    private static (int Code, string Out, string Err) Run(bool pipeline, string[] args, TextWriter? output = null) =>
        Run(pipeline ? Mode.Pipeline : Mode.OneThread, args, output);

    private static (int Code, string Out, string Err) Run(Mode mode, string[] args, TextWriter? output = null)
    {
        var o = output ?? new StringWriter { NewLine = "\n" };
        var e = new StringWriter { NewLine = "\n" };
        ReportPipeline.Forced = mode != Mode.OneThread;
        long readAheadFrom = AnalyzeCommand.ReadAheadFromBytes;
        if (mode == Mode.PipelineReadAhead) AnalyzeCommand.ReadAheadFromBytes = 0; // every file, however small
        else AnalyzeCommand.ReadAheadFromBytes = long.MaxValue;
        try
        {
            int code = AnalyzeCommand.Run(args, new StringReader(""), o, e);
            return (code, o.ToString()!, e.ToString());
        }
        finally
        {
            ReportPipeline.Forced = null;
            AnalyzeCommand.ReadAheadFromBytes = readAheadFrom;
        }
    }

    private static void Same(params string[] args)
    {
        var one = Run(Mode.OneThread, args);
        foreach (var mode in (Mode[])[Mode.Pipeline, Mode.PipelineReadAhead])
        {
            var two = Run(mode, args);
            Assert.Equal(one.Code, two.Code);
            Assert.Equal(one.Err, two.Err);
            Assert.Equal(one.Out, two.Out);
        }
    }

    private static string[] Logs() => Directory.GetFiles(Corpus, "*.log").Order(StringComparer.Ordinal).ToArray();

    [Fact]
    public void Every_fixture_prints_the_same_in_text_and_json()
    {
        foreach (var log in Logs())
        {
            Same(log);
            Same("--json", log);
        }
    }

    [Fact]
    public void Several_inputs_and_many_reports_print_the_same()
    {
        // every fixture 30 times over, in one file: over 2,000 reports, restart loops flagged
        var dir = Directory.CreateTempSubdirectory("oomwarden-pipeline-");
        try
        {
            string big = Path.Combine(dir.FullName, "many.log");
            using (var w = File.Create(big))
                for (int i = 0; i < 30; i++)
                    foreach (var log in Logs())
                    {
                        var bytes = File.ReadAllBytes(log);
                        w.Write(bytes);
                        if (bytes.Length > 0 && bytes[^1] != '\n') w.WriteByte((byte)'\n');
                    }
            var one = Run(false, ["--json", big]);
            Assert.True(one.Out.Split('\n').Length > 2000, "the input holds more reports than the pipeline's batches and pool");
            Same("--json", big, Logs()[0], big);
            Same(big, Logs()[^1]);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void Damaged_gzip_prints_the_reports_before_the_damage_then_the_error()
    {
        var dir = Directory.CreateTempSubdirectory("oomwarden-pipeline-");
        try
        {
            var text = new MemoryStream();
            for (int i = 0; i < 20; i++)
                foreach (var log in Logs().Take(30)) { text.Write(File.ReadAllBytes(log)); text.WriteByte((byte)'\n'); }
            var gz = new MemoryStream();
            using (var z = new GZipStream(gz, CompressionLevel.Fastest, leaveOpen: true)) z.Write(text.ToArray());
            var bytes = gz.ToArray();
            for (int k = bytes.Length * 2 / 3; k < bytes.Length * 2 / 3 + 64; k++) bytes[k] ^= 0x5a; // damage past the middle
            string path = Path.Combine(dir.FullName, "damaged.log.gz");
            File.WriteAllBytes(path, bytes);
            var one = Run(false, ["--json", path]);
            Assert.Contains("gzip", one.Err);
            Assert.NotEqual("", one.Out);
            Same("--json", path);
            Same(path);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void An_output_that_closes_stops_the_reading_quietly()
    {
        var log = Logs().First(l => l.Contains("several", StringComparison.Ordinal));
        var dir = Directory.CreateTempSubdirectory("oomwarden-pipeline-");
        try
        {
            string big = Path.Combine(dir.FullName, "many.log");
            File.WriteAllText(big, string.Concat(Enumerable.Repeat(File.ReadAllText(log) + "\n", 400)));
            foreach (var mode in (Mode[])[Mode.Pipeline, Mode.PipelineReadAhead])
            {
                var closing = new ClosingWriter(writesBeforeClose: 50);
                var r = Run(mode, ["--json", big], closing);
                Assert.Equal(0, r.Code);
                Assert.Equal("", r.Err);
                Assert.True(closing.Refused > 0, "the writer was written to after it closed");
                Assert.True(closing.Refused < 400, $"reading stopped soon after the output closed ({closing.Refused} writes refused, {mode})");
            }
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    /// <summary>A stdout whose reader goes away: IOException after a number of writes.</summary>
    private sealed class ClosingWriter(int writesBeforeClose) : StringWriter
    {
        private int _writes;
        public int Refused;

        public override void Write(string? value)
        {
            if (++_writes > writesBeforeClose) { Refused++; throw new IOException("Broken pipe"); }
            base.Write(value);
        }
    }
}
