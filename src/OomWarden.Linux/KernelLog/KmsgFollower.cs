using System.Runtime.InteropServices;
using OomWarden.Linux.Interop;
using OomWarden.Linux.Interop.FileSystem;
using OomWarden.Linux.Interop.Process;
using OomWarden.KernelLog.Model;
using OomWarden.KernelLog.Parsing;

namespace OomWarden.Linux.KernelLog;

/// <summary>
/// Follows the kernel log device (/dev/kmsg) from its current end and yields each OOM report as it completes.
/// One record per read(2); records go through the same <see cref="OomLogReader"/> as files, so non-OOM records
/// cost a marker scan and no allocation. A report is released once its kill line is in and the log has been
/// quiet for <see cref="SettleTime"/> (so the oom.group kills and the oom_reaper line can join it).
/// </summary>
public sealed class KmsgFollower : IDisposable
{
    private const int RecordBytes = 8192;

    /// <summary>The largest record buffer: the kernel's own record limit is 8 KiB (CONSOLE_EXT_LOG_MAX).</summary>
    public const int MaxRecordBytes = 64 * 1024;

    private readonly int _fd;
    private byte[] _record = new byte[RecordBytes];
    private readonly Queue<OomReport> _ready = new();
    private readonly OomLogReader _reader;
    private bool _atEof;

    public string Path { get; }
    public TimeSpan SettleTime { get; }
    /// <summary>Records the kernel overwrote before we read them (EPIPE).</summary>
    public long MissedRecordGaps { get; private set; }

    /// <summary>Records longer than <see cref="MaxRecordBytes"/>, skipped.</summary>
    public long SkippedRecords { get; private set; }

    /// <summary>Why following stopped (a read error) or the last record skipped; null when neither happened.</summary>
    public string? LastError { get; private set; }

    private int _cancelFd = -1;

    private KmsgFollower(string path, int fd, TimeSpan settle)
    {
        Path = path;
        _fd = fd;
        SettleTime = settle;
        _reader = new OomLogReader(_ready.Enqueue, bufferBytes: OomLogReader.MinBufferBytes);
    }

    /// <summary>Opens <paramref name="kmsgPath"/> and seeks to its end; false (with errno) when it cannot be opened.</summary>
    public static bool TryOpen(string kmsgPath, out KmsgFollower? follower, out int errno, TimeSpan? settle = null)
    {
        follower = null;
        if (!RawFile.TryOpen(kmsgPath, RawFile.ORdOnly | RawFile.ONonBlock, out int fd, out errno)) return false;
        // SEEK_END on /dev/kmsg moves to the next record to be written; on a plain file to its end.
        FileSystemInterop.LSeek(fd, 0, FileSystemInterop.SeekEnd);
        follower = new KmsgFollower(kmsgPath, fd, settle ?? TimeSpan.FromSeconds(1));
        return true;
    }

    /// <summary>Blocks until <paramref name="cancel"/> fires, calling <paramref name="onReport"/> for each completed report.</summary>
    public void Run(Action<OomReport> onReport, CancellationToken cancel)
    {
        foreach (var r in Follow(cancel)) onReport(r);
    }

    /// <summary>Completed reports, as they happen; ends (without throwing) when <paramref name="cancel"/> fires.</summary>
    public IEnumerable<OomReport> Follow(CancellationToken cancel)
    {
        // Between events the follower sleeps in poll() without a timeout (no idle wake-ups); cancellation
        // wakes it through an eventfd.
        if (_cancelFd < 0 && EventFd.TryCreate(out int efd, out _)) _cancelFd = efd;
        using var onCancel = cancel.Register(() => { if (_cancelFd >= 0) RawFile.TryWrite(_cancelFd, BitConverter.GetBytes(1UL), out _); });
        long quietSince = Environment.TickCount64;
        while (!cancel.IsCancellationRequested)
        {
            int got = ReadAvailable();
            long now = Environment.TickCount64;
            if (got > 0) quietSince = now;
            else if (got == 0 && now - quietSince >= (long)SettleTime.TotalMilliseconds)
            {
                _reader.FlushIfKilled();
                quietSince = now;
            }
            while (_ready.Count > 0) yield return _ready.Dequeue();
            if (got < 0) yield break;
            // While a report is open, wake every 250 ms to release it once the log has been quiet.
            if (got == 0) WaitReadable(_reader.Assembler.Idle && _cancelFd >= 0 ? -1 : 250);
        }
        _reader.FlushIfKilled();
        while (_ready.Count > 0) yield return _ready.Dequeue();
    }

    /// <summary>Reads every record available now; returns their count, or -1 on a fatal error (see <see cref="LastError"/>).</summary>
    /// <remarks>/dev/kmsg returns one whole record per read(2), or EINVAL (and keeps the record) when the buffer is
    /// smaller than the record: the buffer then doubles, up to <see cref="MaxRecordBytes"/>. A record longer than
    /// that (no kernel writes one: their limit is 8 KiB) is skipped by seeking to the end, and counted.</remarks>
    private unsafe int ReadAvailable()
    {
        int records = 0;
        while (true)
        {
            nint n;
            fixed (byte* p = _record)
                n = FileSystemInterop.Read(_fd, p, (nuint)_record.Length);
            if (n > 0)
            {
                records++;
                var rec = _record.AsSpan(0, (int)n);
                _reader.Feed(rec);
                if (rec[^1] != (byte)'\n') _reader.Feed("\n"u8);
                continue;
            }
            if (n == 0) { _atEof = true; return records; } // plain file (tests, replay) at its end
            int err = Marshal.GetLastPInvokeError();
            if (err == Errno.EAGAIN) return records;
            if (err == Errno.EINTR) continue;
            if (err == Errno.EPIPE) { MissedRecordGaps++; continue; }
            if (err == Errno.EINVAL && _record.Length < MaxRecordBytes)
            {
                _record = new byte[Math.Min(_record.Length * 2, MaxRecordBytes)];
                continue;
            }
            if (err == Errno.EINVAL)
            {
                SkippedRecords++;
                LastError = $"{Path}: a record longer than {MaxRecordBytes} bytes; skipped to the end of the log";
                FileSystemInterop.LSeek(_fd, 0, FileSystemInterop.SeekEnd);
                continue;
            }
            LastError = Errno.Describe(err, "read", Path);
            return records > 0 ? records : -1;
        }
    }

    private void WaitReadable(int timeoutMs)
    {
        if (_atEof)
        {
            // a regular file always polls readable: sleep instead of spinning
            _atEof = false;
            Thread.Sleep(timeoutMs < 0 ? 250 : timeoutMs);
            return;
        }
        if (_cancelFd >= 0) Poll.WaitFirstOf(_fd, _cancelFd, Poll.PollIn, timeoutMs);
        else Poll.WaitOne(_fd, Poll.PollIn, timeoutMs);
    }

    public void Dispose()
    {
        FileSystemInterop.Close(_fd);
        if (_cancelFd >= 0) EventFd.Close(_cancelFd);
        _cancelFd = -1;
    }
}
