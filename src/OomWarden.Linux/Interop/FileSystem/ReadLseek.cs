using System.Runtime.InteropServices;

namespace OomWarden.Linux.Interop.FileSystem;

internal static unsafe partial class FileSystemInterop
{
    public const int SeekEnd = 2;

    /// <summary>read(2): for record devices such as /dev/kmsg, where each read returns one record.</summary>
    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    internal static partial nint Read(int fd, byte* buffer, nuint count);

    /// <summary>lseek(2): /dev/kmsg uses SEEK_END to skip the records already in the ring buffer.</summary>
    [LibraryImport("libc", EntryPoint = "lseek", SetLastError = true)]
    internal static partial long LSeek(int fd, long offset, int whence);
}
