using System.Runtime.InteropServices;

namespace OomWarden.Linux.Interop.FileSystem;

internal static unsafe partial class FileSystemInterop
{
    /// <summary>readlinkat(2): the link target, not NUL-terminated; returns its length or -1.</summary>
    [LibraryImport("libc", EntryPoint = "readlinkat", SetLastError = true)]
    internal static partial nint ReadLinkAt(int dirFd, byte* path, byte* buffer, nuint bufferSize);
}
