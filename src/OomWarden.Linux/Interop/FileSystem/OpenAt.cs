using System.Runtime.InteropServices;

namespace OomWarden.Linux.Interop.FileSystem;

internal static unsafe partial class FileSystemInterop
{
    /// <summary>openat(2). Returns the fd, or -1 with errno in <see cref="Marshal.GetLastPInvokeError"/>.
    /// <paramref name="path"/> is NUL-terminated UTF-8.</summary>
    [LibraryImport("libc", EntryPoint = "openat", SetLastError = true)]
    internal static partial int OpenAt(int dirFd, byte* path, int flags, int mode);

    /// <summary>openat(2) with a managed path (marshalled on the stack when shorter than 256 bytes).</summary>
    [LibraryImport("libc", EntryPoint = "openat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int OpenAt(int dirFd, string path, int flags, int mode);
}
