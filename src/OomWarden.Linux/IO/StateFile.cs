using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;
using OomWarden.Linux.Interop;
using OomWarden.Linux.Interop.FileSystem;

namespace OomWarden.Linux.IO;

/// <summary>A small state file root keeps in a directory others might write to: read with <c>O_NOFOLLOW</c> and only
/// when fstat says "regular file"; written whole to <c>PATH.tmp</c> (created <c>O_EXCL|O_NOFOLLOW</c>, mode 0600,
/// fsync'd) and renamed over <c>PATH</c>, so a reader (or a crash) sees the old file or the new one, never half.</summary>
public static class StateFile
{
    private const int OWrOnly = 0x1, OCreat = 0x40, OExcl = 0x80, ONonBlock = 0x800;
    private const int ENOENT = 2, EEXIST = 17, ELOOP = 40;

    /// <summary>The file's bytes; false with <paramref name="missing"/> when there is none, or with the reason when
    /// it cannot be read or is not a regular file (a symlink, FIFO, device).</summary>
    public static bool TryRead(string path, int maxBytes, [NotNullWhen(true)] out byte[]? content, out bool missing, out string? error)
    {
        content = null;
        missing = false;
        int fd = FileSystemInterop.OpenAt(OpenFlags.AtCurrentDirectory, path,
            OpenFlags.ReadOnly | AppendOnlyFile.ONoFollow | ONonBlock | OpenFlags.CloseOnExec, 0);
        if (fd < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            missing = errno == ENOENT;
            error = missing ? null : errno == ELOOP ? $"{path} is a symbolic link; not followed" : Errno.Describe(errno, "open", path);
            return false;
        }
        try
        {
            if (!AppendOnlyFile.TryCheckRegular(fd, path, out error)) return false;
            var buffer = new byte[4096];
            int n = NativeRead.ReadWhole(fd, ref buffer, maxBytes, out bool truncated);
            if (n < 0)
            {
                error = Errno.Describe(-n, "read", path);
                return false;
            }
            if (truncated)
            {
                error = NativeRead.TruncatedMessage(path, maxBytes);
                return false;
            }
            content = buffer.AsSpan(0, n).ToArray();
            return true;
        }
        finally
        {
            FileSystemInterop.Close(fd);
        }
    }

    /// <summary>Replaces <paramref name="path"/> with <paramref name="content"/> atomically (write, fsync, rename).</summary>
    public static unsafe bool TryWrite(string path, ReadOnlySpan<byte> content, [NotNullWhen(false)] out string? error)
    {
        string tmp = path + ".tmp";
        int flags = OWrOnly | OCreat | OExcl | AppendOnlyFile.ONoFollow | OpenFlags.CloseOnExec;
        int fd = FileSystemInterop.OpenAt(OpenFlags.AtCurrentDirectory, tmp, flags, Convert.ToInt32("600", 8));
        if (fd < 0 && Marshal.GetLastPInvokeError() == EEXIST)
        {
            // left by a crash (or planted): unlink removes the name itself, never what a symlink points to
            FileSystemInterop.Unlink(tmp);
            fd = FileSystemInterop.OpenAt(OpenFlags.AtCurrentDirectory, tmp, flags, Convert.ToInt32("600", 8));
        }
        if (fd < 0)
        {
            error = Errno.Describe(Marshal.GetLastPInvokeError(), "open", tmp);
            return false;
        }
        try
        {
            int done = 0;
            while (done < content.Length)
            {
                nint n;
                fixed (byte* p = content[done..]) n = FileSystemInterop.Write(fd, p, (nuint)(content.Length - done));
                if (n < 0)
                {
                    int errno = Marshal.GetLastPInvokeError();
                    if (errno == Errno.EINTR) continue;
                    error = Errno.Describe(errno, "write", tmp);
                    return false;
                }
                done += (int)n;
            }
            if (FileSystemInterop.FSync(fd) != 0)
            {
                error = Errno.Describe(Marshal.GetLastPInvokeError(), "fsync", tmp);
                return false;
            }
        }
        finally
        {
            FileSystemInterop.Close(fd);
        }
        if (FileSystemInterop.Rename(tmp, path) != 0) // replaces the name, never writes through a link
        {
            error = Errno.Describe(Marshal.GetLastPInvokeError(), "rename", tmp);
            FileSystemInterop.Unlink(tmp);
            return false;
        }
        error = null;
        return true;
    }
}
