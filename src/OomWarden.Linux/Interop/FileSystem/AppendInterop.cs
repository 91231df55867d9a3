using System.Runtime.InteropServices;

namespace OomWarden.Linux.Interop.FileSystem;

/// <summary>The calls behind <see cref="IO.AppendOnlyFile"/> and <see cref="IO.ControlFile"/>: statx and fstatfs on the open
/// descriptor, fcntl to clear O_NONBLOCK, write(2) and fsync(2).</summary>
internal static unsafe partial class FileSystemInterop
{
    public const int FGetFl = 3;
    public const int FSetFl = 4;
    public const int AtEmptyPath = 0x1000;
    public const uint StatxType = 0x1;
    public const uint StatxMode = 0x2;
    public const uint StatxNlink = 0x4;

    /// <summary>statx(2): its struct has the same layout on every architecture (unlike struct stat).</summary>
    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int Statx(int dirFd, string path, int flags, uint mask, byte* buffer);

    /// <summary>fstatfs(2): f_type is the first field (a long) on every 64-bit architecture.</summary>
    [LibraryImport("libc", EntryPoint = "fstatfs", SetLastError = true)]
    internal static partial int FStatFs(int fd, byte* buffer);

    /// <summary>fcntl(2) with an int argument (F_GETFL, F_SETFL).</summary>
    [LibraryImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    internal static partial int Fcntl(int fd, int command, int argument);

    /// <summary>write(2): returns the bytes written (possibly fewer than asked) or -1.</summary>
    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    internal static partial nint Write(int fd, byte* buffer, nuint count);

    /// <summary>fsync(2).</summary>
    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    internal static partial int FSync(int fd);
}
