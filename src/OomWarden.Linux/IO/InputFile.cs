using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;
using OomWarden.Linux.Interop;
using OomWarden.Linux.Interop.FileSystem;

namespace OomWarden.Linux.IO;

/// <summary>A file the admin names as input (a config, a snapshot), read whole: opened
/// <c>O_RDONLY|O_NONBLOCK|O_CLOEXEC</c>, so a FIFO with no writer fails the check below instead of hanging the open;
/// a symbolic link is followed (configs are often links: a ConfigMap's keys are); anything but a regular file (FIFO,
/// device such as /dev/zero, socket, directory) is refused; read to its end up to a cap, so a runaway file ends.</summary>
public static class InputFile
{
    private const int ONonBlock = 0x800;
    private const int EISDIR = 21;

    /// <summary>The outcome of <see cref="TryRead"/>.</summary>
    public enum Failure
    {
        None,

        /// <summary>open(2) failed: <c>errno</c> says why (ENOENT, EACCES, EISDIR...).</summary>
        Open,

        /// <summary>Not a regular file: the message names what it is.</summary>
        NotRegular,

        /// <summary>Longer than the cap.</summary>
        TooLarge,

        /// <summary>read(2) failed: <c>errno</c> says why (EIO...).</summary>
        Read,
    }

    /// <summary>The bytes of <paramref name="path"/>; on failure, which step failed, the errno (0 when there is none)
    /// and a reason in the C library's words or naming the file type ("a FIFO, not a regular file"), without the path.</summary>
    public static unsafe Failure TryRead(string path, int maxBytes, [NotNullWhen(false)] out byte[]? content, out int errno, out string? reason)
    {
        content = null;
        errno = 0;
        int fd = NativeRead.Open(path, OpenFlags.ReadOnly | ONonBlock | OpenFlags.CloseOnExec);
        if (fd < 0)
        {
            errno = -fd;
            reason = Errno.Strerror(errno);
            return Failure.Open;
        }
        try
        {
            byte* stat = stackalloc byte[256];
            new Span<byte>(stat, 256).Clear();
            if (FileSystemInterop.Statx(fd, "", FileSystemInterop.AtEmptyPath, FileSystemInterop.StatxType, stat) != 0)
            {
                errno = Marshal.GetLastPInvokeError();
                reason = Errno.Strerror(errno);
                return Failure.Read;
            }
            var type = FileTypes.Of(*(ushort*)(stat + 28));
            if (type == FileType.Directory)
            {
                errno = EISDIR; // as read(2) would say
                reason = Errno.Strerror(errno);
                return Failure.Open;
            }
            if (type != FileType.Regular)
            {
                reason = $"{type.Name()}, not a regular file";
                return Failure.NotRegular;
            }
            var buffer = new byte[64 * 1024];
            int n = NativeRead.ReadWhole(fd, ref buffer, maxBytes, out bool truncated);
            if (n < 0)
            {
                errno = -n;
                reason = Errno.Strerror(errno);
                return Failure.Read;
            }
            if (truncated)
            {
                reason = $"larger than {maxBytes >> 20} MiB";
                return Failure.TooLarge;
            }
            content = buffer.AsSpan(0, n).ToArray();
            reason = null;
            return Failure.None;
        }
        finally
        {
            FileSystemInterop.Close(fd);
        }
    }
}
