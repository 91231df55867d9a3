using System.Runtime.InteropServices;

namespace OomWarden.Linux.Interop.FileSystem;

internal static partial class FileSystemInterop
{
    /// <summary>rename(2): replaces the destination name atomically (a symlink there is replaced, not followed).</summary>
    [LibraryImport("libc", EntryPoint = "rename", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int Rename(string oldPath, string newPath);
}
