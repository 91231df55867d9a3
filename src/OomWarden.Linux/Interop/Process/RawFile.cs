using System.Runtime.InteropServices;
using OomWarden.Linux.Interop.FileSystem;

namespace OomWarden.Linux.Interop.Process;

/// <summary>open/write/close on raw descriptors for files that are written, not read: PSI triggers
/// (the trigger lives as long as the fd), cgroup.event_control, cgroup.kill, oom_score_adj.</summary>
public static partial class RawFile
{
    public const int ORdOnly = 0;
    public const int OWrOnly = 1;
    public const int ORdWr = 2;
    public const int ONonBlock = 0x800;
    public const int OCloexec = 0x80000;

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int OpenNative(string path, int flags, int mode);

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    private static unsafe partial nint WriteNative(int fd, byte* buffer, nuint count);

    public static bool TryOpen(string path, int flags, out int fd, out int errno) => TryOpen(path, flags, 0, out fd, out errno);

    /// <summary>open(2) with a mode for a file it creates (O_CREAT, O_TMPFILE).</summary>
    public static bool TryOpen(string path, int flags, int mode, out int fd, out int errno)
    {
        fd = OpenNative(path, flags | OCloexec, mode);
        errno = fd < 0 ? Marshal.GetLastSystemError() : 0;
        return fd >= 0;
    }

    public static unsafe bool TryWrite(int fd, ReadOnlySpan<byte> data, out int errno)
    {
        fixed (byte* p = data)
        {
            nint r = WriteNative(fd, p, (nuint)data.Length);
            errno = r < 0 ? Marshal.GetLastSystemError() : 0;
            return r == data.Length;
        }
    }

    /// <summary>Opens, writes once, closes: for control files such as cgroup.kill.</summary>
    public static bool TryWriteFile(string path, ReadOnlySpan<byte> data, out int errno)
    {
        if (!TryOpen(path, OWrOnly, out int fd, out errno)) return false;
        try
        {
            return TryWrite(fd, data, out errno);
        }
        finally
        {
            FileSystemInterop.Close(fd);
        }
    }

    public static void Close(int fd) => FileSystemInterop.Close(fd);
}
