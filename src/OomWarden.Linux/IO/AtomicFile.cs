using System.Runtime.InteropServices;
using OomWarden.Linux.Interop;
using OomWarden.Linux.Interop.FileSystem;
using OomWarden.Linux.Interop.Process;

namespace OomWarden.Linux.IO;

/// <summary>Replaces a file at once: the content goes to a fresh name in the target's own directory (O_CREAT|O_EXCL|
/// O_NOFOLLOW, so never through a link or into a FIFO planted there), then rename(2) puts it in place, so a reader
/// (node exporter's textfile collector) sees the old file or the new one, never half of one. The temporary name
/// starts with '.' and does not end in ".prom", so the collector never reads it.</summary>
public static class AtomicFile
{
    private const int OWrOnly = 1, OCreat = 0x40, OExcl = 0x80;

    private static int NoFollow { get; } =
        RuntimeInformation.ProcessArchitecture is Architecture.Arm64 or Architecture.Arm ? 0x8000 : 0x20000;

    /// <summary>False with the reason (the C library's words) when it cannot be written.</summary>
    public static bool TryReplace(string path, ReadOnlySpan<byte> content, out string? error)
    {
        error = null;
        string dir = Path.GetDirectoryName(path) ?? "/";
        string tmp = Path.Combine(dir, "." + Path.GetFileName(path) + "." + Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture)
            + "." + Guid.NewGuid().ToString("N")[..8] + ".tmp");
        int fd = FileSystemInterop.OpenAt(OpenFlags.AtCurrentDirectory, tmp, OWrOnly | OCreat | OExcl | NoFollow | OpenFlags.CloseOnExec, 0x1A4 /* 0644 */);
        if (fd < 0)
        {
            error = $"cannot create {tmp}: {Errno.Describe(Marshal.GetLastSystemError())}";
            return false;
        }
        bool written;
        int errno;
        try
        {
            written = RawFile.TryWrite(fd, content, out errno);
        }
        finally
        {
            FileSystemInterop.Close(fd);
        }
        if (!written)
        {
            error = $"cannot write {tmp}: {(errno == 0 ? "short write" : Errno.Describe(errno))}";
            TryDelete(tmp);
            return false;
        }
        try
        {
            File.Move(tmp, path, overwrite: true);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error = $"cannot rename {tmp} to {path}: {(e.HResult is > 0 and < 4096 ? Errno.Describe(e.HResult) : e.GetType().Name)}";
            TryDelete(tmp);
            return false;
        }
    }

    private static void TryDelete(string path)
    {
        try { File.Delete(path); } catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }
}
