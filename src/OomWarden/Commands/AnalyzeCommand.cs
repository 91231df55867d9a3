using System.IO.Compression;
using System.Runtime.InteropServices;
using System.Text;
using OomWarden.Linux.KernelLog;
using OomWarden.KernelLog.Model;
using OomWarden.KernelLog.Output;
using OomWarden.KernelLog.Parsing;

namespace OomWarden.Commands;

/// <summary>
/// <c>oomwarden analyze [--json] [--follow] [FILE ...]</c>: finds every kernel OOM report in the input (any kernel,
/// any log wrapper) and says why it happened. Exit codes: 0 done (also when no event was found), 64 usage,
/// 66 an input file is missing or unreadable, 74 read error, 130 interrupted.
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

        Exit: 0 done, 64 usage error, 66 missing input, 74 read error.
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
        void Emit(OomReport r)
        {
            found++;
            try
            {
                if (json) stdout.WriteLine(OomReportJson.ToJsonLine(r));
                else OomReportText.Write(stdout, r);
                stdout.Flush();
            }
            catch (IOException e)
            {
                throw new OutputClosedException(e); // e.g. `| head` went away: stop quietly
            }
        }

        try
        {
            return follow ? Follow(kmsgPath, Emit, stderr, cancel) : ReadFiles(files, stdin, Emit, stderr, cancel, () => found == 0 && !json);
        }
        catch (OutputClosedException)
        {
            return ExitOk;
        }
    }

    private sealed class OutputClosedException(IOException inner) : Exception("output closed", inner);

    private static int ReadFiles(List<string> files, TextReader stdin, Action<OomReport> emit, TextWriter stderr, CancellationToken cancel, Func<bool> nothingFound)
    {
        if (files.Count == 0) files.Add("-");
        // Fail before reading anything when a named file is missing.
        foreach (var f in files)
            if (f != "-" && !File.Exists(f))
                return Error(stderr, ExitNoInput, Directory.Exists(f) ? $"{f}: is a directory" : $"{f}: no such file");

        foreach (var f in files)
        {
            // Each input is read on its own: events do not span files, restart counts do not either.
            var reader = new OomLogReader(emit);
            try
            {
                using var raw = f == "-" ? OpenStdin(stdin) : new FileStream(f, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1, FileOptions.SequentialScan);
                using var input = MaybeGunzip(raw);
                reader.ReadToEnd(input, cancel);
            }
            catch (UnauthorizedAccessException)
            {
                return Error(stderr, ExitNoInput, $"{f}: permission denied");
            }
            catch (FileNotFoundException)
            {
                return Error(stderr, ExitNoInput, $"{f}: no such file");
            }
            catch (InvalidDataException e)
            {
                return Error(stderr, ExitIoError, $"{f}: not valid gzip data ({e.Message})");
            }
            catch (IOException e)
            {
                return Error(stderr, ExitIoError, $"{f}: read error: {e.Message}");
            }
            catch (OperationCanceledException)
            {
                return 130;
            }
        }
        if (nothingFound()) stderr.WriteLine("oomwarden analyze: no OOM event found");
        return ExitOk;
    }

    private static int Follow(string kmsgPath, Action<OomReport> emit, TextWriter stderr, CancellationToken cancel)
    {
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
        ReferenceEquals(stdin, Console.In) ? Console.OpenStandardInput(1 << 16) : new TextReaderStream(stdin);

    /// <summary>gzip is recognised by its magic bytes, whatever the file is called.</summary>
    private static Stream MaybeGunzip(Stream s)
    {
        var peek = new PeekStream(s);
        return peek.StartsWithGzipMagic() ? new GZipStream(peek, CompressionMode.Decompress) : peek;
    }

    private static int Usage(TextWriter stderr, string message)
    {
        stderr.WriteLine($"oomwarden analyze: {message}");
        stderr.WriteLine("usage: oomwarden analyze [--json] [--follow] [FILE ...]   (--help for more)");
        return ExitUsage;
    }

    private static int Error(TextWriter stderr, int code, string message)
    {
        stderr.WriteLine($"oomwarden analyze: {message}");
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
        private bool _peeked;

        public bool StartsWithGzipMagic()
        {
            _peeked = true;
            while (_headLen < 2)
            {
                int n = inner.Read(_head, _headLen, 2 - _headLen);
                if (n <= 0) break;
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
            return inner.Read(buffer, offset, count);
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
