using System.Runtime.InteropServices;

namespace OomWarden.Linux.Interop.FileSystem;

internal static unsafe partial class FileSystemInterop
{
    /// <summary>getdents64(2) (glibc ≥ 2.30): fills <paramref name="buffer"/> with linux_dirent64 records;
    /// returns bytes used, 0 at the end of the directory, -1 on error.</summary>
    [LibraryImport("libc", EntryPoint = "getdents64", SetLastError = true)]
    internal static partial nint Getdents64(int fd, byte* buffer, nuint count);
}
