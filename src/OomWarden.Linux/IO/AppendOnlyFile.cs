using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;
using OomWarden.Linux.Interop;
using OomWarden.Linux.Interop.FileSystem;

namespace OomWarden.Linux.IO;

/// <summary>A regular file opened for appending only, as root may safely do at a path others can write to:
/// <c>O_WRONLY|O_APPEND|O_CREAT|O_NOFOLLOW|O_CLOEXEC</c>, mode 0600 when created, opened non-blocking (a FIFO
/// with no reader fails at once instead of hanging) and then refused unless fstat says "regular file with one
/// link". Every write goes to the kernel's end of file (O_APPEND): no offset is tracked here, so two writers
/// or a failed write never make one line overwrite another.</summary>
public sealed class AppendOnlyFile : IDisposable
{
    private const int OWrOnly = 0x1;
    private const int OCreat = 0x40;
    private const int OAppend = 0x400;
    private const int ONonBlock = 0x800;
    private const int ENXIO = 6;
    private const int ELOOP = 40;
    private const int EISDIR = 21;
    private const int ENOSPC = 28;

    /// <summary>O_NOFOLLOW: 0x20000 on x86-64, 0x8000 on arm64/arm.</summary>
    internal static int ONoFollow { get; } =
        RuntimeInformation.ProcessArchitecture is Architecture.Arm64 or Architecture.Arm ? 0x8000 : 0x20000;

    private int _fd;

    private AppendOnlyFile(int fd, string path)
    {
        _fd = fd;
        Path = path;
    }

    public string Path { get; }

    /// <summary>Opens or creates <paramref name="path"/>; null with a one-line reason ("is a symbolic link", "is a
    /// FIFO", errno text) when it is not a regular file or cannot be opened.</summary>
    public static AppendOnlyFile? TryOpen(string path, [NotNullWhen(false)] out string? error)
    {
        int flags = OWrOnly | OAppend | OCreat | ONoFollow | ONonBlock | OpenFlags.CloseOnExec;
        int fd = FileSystemInterop.OpenAt(OpenFlags.AtCurrentDirectory, path, flags, Convert.ToInt32("600", 8));
        if (fd < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            error = errno switch
            {
                ELOOP => $"{path} is a symbolic link; refusing to follow it (remove it, or point the journal at the link's target)",
                EISDIR => $"{path} is a directory, not a file",
                ENXIO => $"{path} is {FileIdentity.TypeOf(path) ?? "a FIFO or socket"} with no reader, not a regular file",
                _ => Errno.Describe(errno, "open", path),
            };
            return null;
        }
        if (!TryCheckRegular(fd, path, out error))
        {
            FileSystemInterop.Close(fd);
            return null;
        }
        int fl = FileSystemInterop.Fcntl(fd, FileSystemInterop.FGetFl, 0);
        if (fl < 0 || FileSystemInterop.Fcntl(fd, FileSystemInterop.FSetFl, fl & ~ONonBlock) < 0)
        {
            error = Errno.Describe(Marshal.GetLastPInvokeError(), "fcntl", path);
            FileSystemInterop.Close(fd);
            return null;
        }
        error = null;
        return new AppendOnlyFile(fd, path);
    }

    /// <summary>Appends <paramref name="data"/> in one write(2). Returns the bytes written (fewer than asked on a
    /// nearly full disk) or -errno. Never retries the rest of a short write: the next call gets a fresh errno.</summary>
    public unsafe int Append(ReadOnlySpan<byte> data)
    {
        int fd = Volatile.Read(ref _fd);
        if (fd < 0) return -Errno.EINVAL;
        while (true)
        {
            nint n;
            fixed (byte* p = data) n = FileSystemInterop.Write(fd, p, (nuint)data.Length);
            if (n >= 0) return (int)n;
            int errno = Marshal.GetLastPInvokeError();
            if (errno != Errno.EINTR) return -errno;
        }
    }

    /// <summary>fsync(2); 0 or -errno.</summary>
    public int Sync()
    {
        int fd = Volatile.Read(ref _fd);
        if (fd < 0) return -Errno.EINVAL;
        return FileSystemInterop.FSync(fd) == 0 ? 0 : -Marshal.GetLastPInvokeError();
    }

    /// <summary>True for the errno of a full disk or quota (the episode the journal reports once).</summary>
    public static bool IsNoSpace(int errno) => errno is ENOSPC or 122; // EDQUOT

    internal static unsafe bool TryCheckRegular(int fd, string path, [NotNullWhen(false)] out string? error)
    {
        byte* buffer = stackalloc byte[256];
        new Span<byte>(buffer, 256).Clear();
        if (FileSystemInterop.Statx(fd, "", FileSystemInterop.AtEmptyPath,
                FileSystemInterop.StatxType | FileSystemInterop.StatxMode | FileSystemInterop.StatxNlink, buffer) != 0)
        {
            error = Errno.Describe(Marshal.GetLastPInvokeError(), "statx", path);
            return false;
        }
        uint nlink = *(uint*)(buffer + 16);
        ushort mode = *(ushort*)(buffer + 28);
        if (FileTypes.Of(mode) is var type && type != FileType.Regular)
        {
            error = $"{path} is {type.Name()}, not a regular file";
            return false;
        }
        if (nlink > 1)
        {
            error = $"{path} has {nlink} hard links; refusing to append to a file that is also reachable elsewhere";
            return false;
        }
        error = null;
        return true;
    }


    public void Dispose()
    {
        int fd = Interlocked.Exchange(ref _fd, -1);
        if (fd >= 0) FileSystemInterop.Close(fd);
    }
}
