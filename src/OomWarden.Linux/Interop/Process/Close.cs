using System.Runtime.InteropServices;

namespace OomWarden.Linux.Interop.Process;

internal static partial class CloseCall
{
    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);
}
