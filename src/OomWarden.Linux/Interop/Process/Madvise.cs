using System.Runtime.InteropServices;

namespace OomWarden.Linux.Interop.Process;

/// <summary>madvise(2) on the daemon's own mappings.</summary>
public static partial class Madvise
{
    /// <summary>Drops the range's pages from this process: a file mapping refaults them from the page cache.</summary>
    public const int DontNeed = 4;

    [LibraryImport("libc", EntryPoint = "madvise", SetLastError = true)]
    private static partial int MadviseNative(nint address, nuint length, int advice);

    public static bool TryAdvise(ulong address, ulong length, int advice, out int errno)
    {
        int r = MadviseNative((nint)address, (nuint)length, advice);
        errno = r == 0 ? 0 : Marshal.GetLastSystemError();
        return r == 0;
    }
}
