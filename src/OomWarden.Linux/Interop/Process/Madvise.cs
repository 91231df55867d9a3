using System.Runtime.InteropServices;

namespace OomWarden.Linux.Interop.Process;

/// <summary>madvise(2) on the daemon's own mappings.</summary>
public static partial class Madvise
{
    /// <summary>Drops the range's pages from this process: a file mapping refaults them from the page cache.</summary>
    public const int DontNeed = 4;

    /// <summary>No read-ahead on faults in the range: a page not in the page cache is read alone.</summary>
    public const int Random = 1;

    /// <summary>Back to the default read-ahead.</summary>
    public const int Normal = 0;

    /// <summary>posix_fadvise(2): drop the file's cached pages that no process maps.</summary>
    public const int FadviseDontNeed = 4;

    /// <summary>posix_fadvise(2): read the file into the page cache (asynchronously).</summary>
    public const int FadviseWillNeed = 3;

    [LibraryImport("libc", EntryPoint = "posix_fadvise")]
    private static partial int FadviseNative(int fd, long offset, long length, int advice);

    /// <summary>posix_fadvise over the whole file; returns 0 or the error number.</summary>
    public static int FileAdvise(int fd, int advice) => FadviseNative(fd, 0, 0, advice);

    [LibraryImport("libc", EntryPoint = "madvise", SetLastError = true)]
    private static partial int MadviseNative(nint address, nuint length, int advice);

    public static bool TryAdvise(ulong address, ulong length, int advice, out int errno)
    {
        int r = MadviseNative((nint)address, (nuint)length, advice);
        errno = r == 0 ? 0 : Marshal.GetLastSystemError();
        return r == 0;
    }
}
