using System.Runtime.InteropServices;

namespace OomWarden.Linux.Interop.FileSystem;

internal static partial class FileSystemInterop
{
    /// <summary>close(2).</summary>
    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    internal static partial int Close(int fd);
}
