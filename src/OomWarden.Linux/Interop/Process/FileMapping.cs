using System.Runtime.InteropServices;

namespace OomWarden.Linux.Interop.Process;

/// <summary>The calls behind <see cref="Actions.DataSectionRemap"/>: an unnamed file (open O_TMPFILE), mmap(2) of
/// it (MAP_FIXED over a range of the daemon's own memory), fdatasync(2) and getauxval(3); the mmap/munmap binding
/// <see cref="AnonymousMemory"/> uses too.</summary>
public static unsafe partial class FileMapping
{
    public const int ProtRead = 1, ProtWrite = 2, MapPrivate = 2, MapFixed = 0x10;

    /// <summary>madvise(MADV_PAGEOUT), Linux 5.4: reclaims the range's pages now. A clean file page is dropped
    /// (from the page cache too, when no one else maps it); a written copy-on-write page has no swap to go to here
    /// and stays, so nothing written is ever lost, whatever another thread does meanwhile.</summary>
    public const int PageOut = 21;

    /// <summary>getauxval's AT_PHDR: the run-time address of the executable's program headers.</summary>
    public const ulong AtProgramHeaders = 3;

    /// <summary>f_type of file systems whose pages are memory, not disk: tmpfs and ramfs.</summary>
    public const long TmpfsMagic = 0x01021994, RamfsMagic = 0x858458f6;

    /// <summary>O_TMPFILE (__O_TMPFILE | O_DIRECTORY): 0x400000 on every architecture, plus O_DIRECTORY's own bit.</summary>
    public static int TemporaryFileFlags => 0x400000 | FileSystem.OpenFlags.Directory | RawFile.ORdWr | RawFile.OCloexec;

    [LibraryImport("libc", EntryPoint = "mmap", SetLastError = true)]
    internal static partial nint MmapNative(nint address, nuint length, int prot, int flags, int fd, long offset);

    [LibraryImport("libc", EntryPoint = "munmap", SetLastError = true)]
    internal static partial int MunmapNative(nint address, nuint length);

    [LibraryImport("libc", EntryPoint = "fdatasync", SetLastError = true)]
    private static partial int FDataSyncNative(int fd);

    [LibraryImport("libc", EntryPoint = "getauxval")]
    private static partial ulong GetAuxValNative(ulong type);

    /// <summary>An unnamed regular file in <paramref name="directory"/>, mode 0600, gone when its last descriptor
    /// and mapping are: nothing to clean up after a crash, no name another user could plant or race.</summary>
    public static bool TryCreateUnnamed(string directory, out int fd, out int errno) =>
        RawFile.TryOpen(directory, TemporaryFileFlags, 0x180, out fd, out errno);

    /// <summary>write(2) of <paramref name="length"/> bytes from <paramref name="source"/>, one page per call (so the
    /// page cache holds the file in single pages, which MADV_PAGEOUT can drop one by one).</summary>
    public static bool TryWritePages(int fd, byte* source, nuint length, out int errno)
    {
        errno = 0;
        for (nuint done = 0; done < length;)
        {
            nuint chunk = Math.Min(length - done, 4096);
            nint n = FileSystem.FileSystemInterop.Write(fd, source + done, chunk);
            if (n <= 0)
            {
                errno = n < 0 ? Marshal.GetLastSystemError() : Errno.EIO;
                return false;
            }
            done += (nuint)n;
        }
        return true;
    }

    public static bool TryDataSync(int fd, out int errno)
    {
        int r = FDataSyncNative(fd);
        errno = r == 0 ? 0 : Marshal.GetLastSystemError();
        return r == 0;
    }

    /// <summary>mmap(2) of <paramref name="fd"/> from offset 0; -1 with errno on failure.</summary>
    public static nint Map(nint address, nuint length, int prot, int flags, int fd, out int errno)
    {
        nint p = MmapNative(address, length, prot, flags, fd, 0);
        errno = p == -1 ? Marshal.GetLastSystemError() : 0;
        return p;
    }

    public static void Unmap(nint address, nuint length) => MunmapNative(address, length);

    public static ulong GetAuxiliaryValue(ulong type) => GetAuxValNative(type);
}
