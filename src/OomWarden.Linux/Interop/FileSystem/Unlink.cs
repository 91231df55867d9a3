using System.Runtime.InteropServices;

namespace OomWarden.Linux.Interop.FileSystem;

internal static partial class FileSystemInterop
{
    /// <summary>unlink(2).</summary>
    [LibraryImport("libc", EntryPoint = "unlink", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int Unlink(string path);
}
