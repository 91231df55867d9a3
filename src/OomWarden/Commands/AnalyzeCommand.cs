using System.Buffers.Binary;
using System.IO.Compression;
using System.Runtime.InteropServices;
using System.Text;
using OomWarden.Linux.KernelLog;
using OomWarden.KernelLog.Diagnosis;
using OomWarden.KernelLog.Model;
using OomWarden.KernelLog.Output;
using OomWarden.KernelLog.Parsing;

namespace OomWarden.Commands;

/// <summary>
/// <c>oomwarden analyze [--json] [--follow] [FILE ...]</c>: finds every kernel OOM report in the input (any kernel,
/// any log wrapper) and says why it happened. Exit codes: 0 done (also when no event was found), 64 usage,
/// 66 an input file is missing or unreadable, 74 read error or damaged/truncated gzip (after the reports read
/// before the damage), 130 interrupted.
/// </summary>
public static class AnalyzeCommand
{
    public const int ExitOk = 0;
    public const int ExitUsage = 64;
    public const int ExitNoInput = 66;
    public const int ExitIoError = 74;
    public const string DefaultKmsgPath = "/dev/kmsg";

    public const string Help = """
        usage: oomwarden analyze [--json] [FILE ...]
               oomwarden analyze --follow [--json] [--kmsg PATH]

        Reads kernel OOM-killer reports from FILEs (stdin when none or '-'; .gz is read
        transparently) in any wrapping: dmesg, dmesg -T, /dev/kmsg, journalctl, syslog
        (with #012 escapes), mail quotes, wrapped or broken lines, interleaved messages.
        For each event prints when, the kernel, the scope (global, memcg v1/v2, cpuset,
        mempolicy), trigger, victim, limit and usage, the top tasks, and the diagnosis:
        causes with the report lines they rest on and remedies.

          --json         one JSON object per event per line
          --follow       read /dev/kmsg from its current end and report events as they happen
          --kmsg PATH    device or file to follow (default /dev/kmsg)
          -h, --help     this text

        Exit: 0 done, 64 usage error, 66 missing input, 74 read error or damaged or
        truncated gzip (the reports read before the damage are printed first).
        """;

    private static readonly CliOption JsonOption = CliOption.Flag("--json");
    private static readonly CliOption FollowOption = CliOption.Flag("--follow", "-f");
    private static readonly CliOption KmsgOption = CliOption.WithValue("--kmsg");
    private static readonly CliOption[] Options = [JsonOption, FollowOption, KmsgOption];

    public static int Run(string[] args, TextReader stdin, TextWriter stdout, TextWriter stderr) =>
        Run(args, stdin, stdout, stderr, DefaultKmsgPath, CancellationToken.None);

    public static int Run(string[] args, TextReader stdin, TextWriter stdout, TextWriter stderr, string kmsgPath, CancellationToken cancel)
    {
        if (!ArgReader.TryParse("analyze", args, Options, Help, stdout, stderr, out var parsed, out int exit)) return exit;
        bool json = parsed.Has(JsonOption.Name), follow = parsed.Has(FollowOption.Name);
        kmsgPath = parsed.Value(KmsgOption.Name) ?? kmsgPath;
        var files = parsed.Positionals;
        if (follow && files.Count > 0) return Usage(stderr, "--follow reads the kernel log: it takes no FILE");

        int found = 0;
        // A reader of stdout that goes away cancels reading (the console ignores EPIPE): see StdoutWatch.
        using var watch = StdoutWatch.Start(stdout, cancel);
        cancel = watch.Token;
        // JSON to the real stdout goes out as UTF-8 bytes through one buffer (no string per report); a file's
        // reports are flushed every 64 KiB and at the end, --follow's at once.
        using var sink = new Output(stdout, json, flushEach: follow);
        // Restart loops per input (events do not span files): a section after each input's reports.
        var loops = new RestartLoops();
        void EndOfInput()
        {
            try
            {
                sink.WriteLoops(loops);
            }
            catch (IOException e)
            {
                throw new OutputClosedException(e);
            }
            loops = new RestartLoops();
        }
        void Emit(OomReport r)
        {
            found++;
            loops.Add(r);
            try
            {
                sink.Write(r);
            }
            catch (IOException e)
            {
                throw new OutputClosedException(e); // e.g. `| head` went away: stop quietly
            }
        }

        try
        {
            int code;
            if (follow) code = Follow(kmsgPath, Emit, stderr, cancel);
            else if (!ReportPipeline.Pays) code = ReadFiles(files, stdin, Emit, EndOfInput, null, stderr, cancel, () => found == 0 && !json);
            else
            {
                // files: the reports are written on a second thread while the next are read (see ReportPipeline)
                using var pipeline = new ReportPipeline(Emit, EndOfInput);
                code = ReadFiles(files, stdin, pipeline.Add, pipeline.EndOfInput, pipeline, stderr, cancel, () => found == 0 && !json);
            }
            if (watch.Gone) return ExitOk;
            if (follow) EndOfInput();
            sink.Flush();
            return code;
        }
        catch (OutputClosedException)
        {
            return ExitOk;
        }
        catch (IOException)
        {
            return ExitOk; // the last flush found the output closed
        }
    }

    /// <summary>Where reports go: text through the TextWriter; JSON as bytes to stdout's stream when stdout is the console's.</summary>
    private sealed class Output(TextWriter text, bool json, bool flushEach) : IDisposable
    {
        private const int FlushBytes = 64 * 1024;
        private readonly OomReportJson.LineWriter _lines = new();
        private readonly Stream? _stdout = json && ReferenceEquals(text, Console.Out) ? Console.OpenStandardOutput() : null;
        private readonly byte[] _pending = new byte[FlushBytes];
        private int _pendingBytes;

        public void Write(OomReport r)
        {
            if (!json)
            {
                OomReportText.Write(text, r);
                text.Flush();
                return;
            }
            var line = _lines.Line(r);
            if (_stdout is null)
            {
                text.Write(Encoding.UTF8.GetString(line));
                if (flushEach) text.Flush();
                return;
            }
            if (_pendingBytes + line.Length > _pending.Length) Flush();
            if (line.Length > _pending.Length) _stdout.Write(line);
            else { line.CopyTo(_pending.AsSpan(_pendingBytes)); _pendingBytes += line.Length; }
            if (flushEach) Flush();
        }

        /// <summary>The input's restart-loop section (nothing when it has none): text, or one JSON line.</summary>
        public void WriteLoops(RestartLoops loops)
        {
            if (loops.Flagged.Count == 0) return;
            if (!json)
            {
                loops.WriteText(text);
                text.Flush();
                return;
            }
            var line = loops.JsonLine();
            if (_stdout is null)
            {
                text.Write(Encoding.UTF8.GetString(line));
                if (flushEach) text.Flush();
                return;
            }
            if (_pendingBytes + line.Length > _pending.Length) Flush();
            if (line.Length > _pending.Length) _stdout.Write(line);
            else { line.CopyTo(_pending.AsSpan(_pendingBytes)); _pendingBytes += line.Length; }
            if (flushEach) Flush();
        }

        public void Flush()
        {
            if (_stdout is null) { text.Flush(); return; }
            if (_pendingBytes > 0) _stdout.Write(_pending, 0, _pendingBytes);
            _pendingBytes = 0;
            _stdout.Flush();
        }

        public void Dispose() => _stdout?.Dispose();
    }

    /// <summary>Files this large are read ahead (<see cref="OomLogReader.ReadToEnd"/>'s readAhead): a smaller one is read before a thread is started. Tests: 0.</summary>
    internal static long ReadAheadFromBytes { get; set; } = 2 << 20;

    private sealed class OutputClosedException(IOException inner) : Exception("output closed", inner);

    /// <param name="pipeline">The pipeline <paramref name="emit"/> hands reports to, which gives them back to the pool itself; null: emit is done with each report when it returns.</param>
    private static int ReadFiles(List<string> files, TextReader stdin, Action<OomReport> emit, Action endOfInput, ReportPipeline? pipeline, TextWriter stderr, CancellationToken cancel, Func<bool> nothingFound)
    {
        if (files.Count == 0) files.Add("-");
        // Fail before reading anything when a named file is missing.
        foreach (var f in files)
        {
            if (f == "-" || File.Exists(f)) continue;
            if (Directory.Exists(f)) return Error(stderr, ExitNoInput, $"{f}: Is a directory");
            // File.Exists is false for ENOENT and for a file it cannot see (EACCES on a directory above): say which.
            // The open cannot block: a FIFO exists, and so never gets here.
            string reason = Linux.Interop.Errno.Strerror(OsErrors.ENOENT);
            try
            {
                using var probe = File.OpenHandle(f);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
            {
                reason = OsErrors.Describe(e, f);
            }
            return Error(stderr, ExitNoInput, $"{f}: {reason}");
        }

        foreach (var f in files)
        {
            // Each input is read on its own: events do not span files, restart counts do not either.
            var reader = new OomLogReader(emit, holdForBootInfo: true);
            // emit (or the pipeline's writer) writes each report and keeps none (restart loops keep strings and values): its buffers are reused
            reader.Assembler.RecycleReports = true;
            reader.Assembler.ConsumerRecycles = pipeline is not null;
            reader.Assembler.ConsumerDiagnoses = pipeline is not null; // on the pipeline's writer
            string name = f == "-" ? "stdin" : f;
            if (f == "-" && StdinHint.For(stdin) is { } hint) stderr.WriteLine(hint);
            try
            {
                using var raw = f == "-" ? OpenStdin(stdin) : new FileStream(f, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1, FileOptions.SequentialScan);
                var peek = new PeekStream(raw);
                // with a CPU to spare: read ahead on a third thread (a file only: a terminal may block)
                bool readAhead = pipeline is not null && raw is FileStream { CanSeek: true } file && file.Length >= ReadAheadFromBytes;
                if (!peek.StartsWithGzipMagic())
                {
                    reader.ReadToEnd(peek, cancel, readAhead);
                    endOfInput();
                    continue;
                }
                var tail = new GzipTailStream(peek);
                using var gunzip = new CountingStream(new GZipStream(tail, CompressionMode.Decompress));
                try
                {
                    reader.ReadToEnd(gunzip, cancel, readAhead);
                }
                catch (InvalidDataException)
                {
                    // what was read before the damage is reported, then the error
                    reader.Complete();
                    endOfInput();
                    return Error(stderr, ExitIoError, $"{name}: damaged gzip data after {gunzip.BytesRead} bytes of text");
                }
                endOfInput();
                if (!tail.TrailerMatches(gunzip.BytesRead))
                    return Error(stderr, ExitIoError, $"{name}: truncated gzip data: the text ends after {gunzip.BytesRead} bytes, "
                        + "before the gzip trailer (the reports above are those read before the cut)");
            }
            catch (UnauthorizedAccessException e)
            {
                pipeline?.Drain(); // what was read before the error is out before it is said
                // EACCES, or EBADF: stdin closed (`<&-`)
                return Error(stderr, ExitNoInput, $"{name}: {OsErrors.Describe(e, f == "-" ? null : f)}");
            }
            catch (FileNotFoundException)
            {
                pipeline?.Drain();
                return Error(stderr, ExitNoInput, $"{f}: no such file");
            }
            catch (InvalidDataException)
            {
                pipeline?.Drain();
                return Error(stderr, ExitIoError, $"{name}: not valid gzip data");
            }
            catch (IOException e)
            {
                pipeline?.Drain();
                return Error(stderr, ExitIoError, $"{name}: read error: {OsErrors.Describe(e)}");
            }
            catch (OperationCanceledException)
            {
                pipeline?.Drain();
                return 130;
            }
        }
        if (nothingFound()) stderr.WriteLine("oomwarden analyze: no OOM event found");
        return ExitOk;
    }

    private static int Follow(string kmsgPath, Action<OomReport> emit, TextWriter stderr, CancellationToken cancel)
    {
        // A directory opens (O_RDONLY) and then never yields a record: it would be followed for ever in silence.
        if (Directory.Exists(kmsgPath)) return Error(stderr, ExitNoInput, $"{kmsgPath}: cannot follow: Is a directory");
        if (!KmsgFollower.TryOpen(kmsgPath, out var follower, out int errno) || follower is null)
            return Error(stderr, ExitNoInput, $"{kmsgPath}: cannot open: {Marshal.GetPInvokeErrorMessage(errno)}");
        using (follower)
        {
            using var ctrlC = new CancellationTokenSource();
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancel, ctrlC.Token);
            ConsoleCancelEventHandler onCancel = (_, e) => { e.Cancel = true; ctrlC.Cancel(); };
            Console.CancelKeyPress += onCancel;
            try
            {
                follower.Run(emit, linked.Token);
            }
            finally
            {
                Console.CancelKeyPress -= onCancel;
            }
        }
        return ExitOk;
    }

    private static Stream OpenStdin(TextReader stdin) =>
        !ReferenceEquals(stdin, Console.In) ? new TextReaderStream(stdin)
        : StdinHint.IsTerminal(stdin) ? StdinHint.OpenTerminal() : Console.OpenStandardInput(1 << 16);


    private static int Usage(TextWriter stderr, string message)
    {
        stderr.WriteLine($"oomwarden analyze: {message}");
        stderr.WriteLine("usage: oomwarden analyze [--json] [--follow] [FILE ...]   (--help for more)");
        return ExitUsage;
    }

    private static int Error(TextWriter stderr, int code, string message)
    {
        stderr.WriteLine(Core.Model.TextEscape.ForTerminal($"oomwarden analyze: {message}"));
        return code;
    }

    /// <summary>Bytes of a TextReader (tests pass a StringReader as stdin), encoded as UTF-8.</summary>
    private sealed class TextReaderStream(TextReader reader) : ReadOnlyStream
    {
        private readonly char[] _chars = new char[16 * 1024];
        private byte[] _bytes = [];
        private int _pos, _len;

        public override int Read(byte[] buffer, int offset, int count)
        {
            if (_pos == _len)
            {
                int n = reader.Read(_chars, 0, _chars.Length);
                if (n <= 0) return 0;
                _bytes = Encoding.UTF8.GetBytes(_chars, 0, n);
                _pos = 0;
                _len = _bytes.Length;
            }
            int c = Math.Min(count, _len - _pos);
            Buffer.BlockCopy(_bytes, _pos, buffer, offset, c);
            _pos += c;
            return c;
        }

    }

    /// <summary>Lets us look at the first two bytes of a non-seekable stream (stdin) and still read them.</summary>
    private sealed class PeekStream(Stream inner) : ReadOnlyStream
    {
        private readonly byte[] _head = new byte[2];
        private int _headLen, _headPos;
        private bool _peeked, _ended;

        public bool StartsWithGzipMagic()
        {
            _peeked = true;
            while (_headLen < 2)
            {
                int n = inner.Read(_head, _headLen, 2 - _headLen);
                // The end is kept: a terminal's Ctrl-D is one read(2) of 0, and the next read would wait again.
                if (n <= 0) { _ended = true; break; }
                _headLen += n;
            }
            return _headLen == 2 && _head[0] == 0x1f && _head[1] == 0x8b;
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            if (_peeked && _headPos < _headLen)
            {
                int c = Math.Min(count, _headLen - _headPos);
                Buffer.BlockCopy(_head, _headPos, buffer, offset, c);
                _headPos += c;
                return c;
            }
            return _ended ? 0 : inner.Read(buffer, offset, count);
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) inner.Dispose();
            base.Dispose(disposing);
        }

    }

    /// <summary>
    /// Remembers the last 8 bytes of the compressed input (the gzip trailer: CRC32, then the text's size mod 2^32)
    /// and whether a second gzip member may have started (its magic bytes after the first header). .NET's GZipStream
    /// ends quietly on a truncated input; comparing the trailer's size with what came out tells.
    /// </summary>
    private sealed class GzipTailStream(Stream inner) : ReadOnlyStream
    {
        private readonly byte[] _tail = new byte[8];
        private long _total;
        private bool _maybeMultiMember;

        public override int Read(byte[] buffer, int offset, int count)
        {
            int n = inner.Read(buffer, offset, count);
            if (n <= 0) return n;
            var chunk = buffer.AsSpan(offset, n);
            // a second member starts with 1f 8b 08; skip the first header's own magic
            int from = _total == 0 ? Math.Min(2, n) : 0;
            if (!_maybeMultiMember && chunk.Slice(from).IndexOf((ReadOnlySpan<byte>)[0x1f, 0x8b, 0x08]) >= 0) _maybeMultiMember = true;
            if (n >= 8) chunk.Slice(n - 8).CopyTo(_tail);
            else
            {
                Buffer.BlockCopy(_tail, n, _tail, 0, 8 - n);
                chunk.CopyTo(_tail.AsSpan(8 - n));
            }
            _total += n;
            return n;
        }

        /// <summary>True when the trailer's size matches <paramref name="textBytes"/>, or when it cannot be checked (several members).</summary>
        public bool TrailerMatches(long textBytes)
        {
            if (_total < 18) return false; // smaller than an empty gzip file
            if (_maybeMultiMember) return true;
            uint isize = BinaryPrimitives.ReadUInt32LittleEndian(_tail.AsSpan(4));
            return isize == (uint)textBytes;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) inner.Dispose();
            base.Dispose(disposing);
        }
    }

    /// <summary>Counts the bytes read through it.</summary>
    private sealed class CountingStream(Stream inner) : ReadOnlyStream
    {
        public long BytesRead { get; private set; }

        public override int Read(byte[] buffer, int offset, int count)
        {
            int n = inner.Read(buffer, offset, count);
            if (n > 0) BytesRead += n;
            return n;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) inner.Dispose();
            base.Dispose(disposing);
        }
    }

    /// <summary>The parts of a forward-only, read-only stream that the two adapters above share.</summary>
    private abstract class ReadOnlyStream : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
