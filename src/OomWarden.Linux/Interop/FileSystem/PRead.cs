using System.Runtime.InteropServices;

namespace OomWarden.Linux.Interop.FileSystem;

internal static unsafe partial class FileSystemInterop
{
    /// <summary>pread(2): reads at <paramref name="offset"/> without moving the file position.</summary>
    [LibraryImport("libc", EntryPoint = "pread", SetLastError = true)]
    internal static partial nint PRead(int fd, byte* buffer, nuint count, long offset);
}
