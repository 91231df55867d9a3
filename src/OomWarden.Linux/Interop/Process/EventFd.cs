using System.Runtime.InteropServices;
using OomWarden.Linux.Interop.FileSystem;

namespace OomWarden.Linux.Interop.Process;

/// <summary>eventfd(2), used for cgroup v1 memory thresholds (cgroup.event_control).</summary>
public static partial class EventFd
{
    private const int EfdCloexec = 0x80000;
    private const int EfdNonblock = 0x800;

    [LibraryImport("libc", EntryPoint = "eventfd", SetLastError = true)]
    private static partial int Create(uint initval, int flags);

    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    private static unsafe partial nint Read(int fd, void* buffer, nuint count);

    public static bool TryCreate(out int fd, out int errno)
    {
        fd = Create(0, EfdCloexec | EfdNonblock);
        errno = fd < 0 ? Marshal.GetLastSystemError() : 0;
        return fd >= 0;
    }

    /// <summary>Reads and resets the counter (non-blocking); 0 when nothing was signalled.</summary>
    public static unsafe ulong Drain(int fd)
    {
        ulong value = 0;
        return Read(fd, &value, sizeof(ulong)) == sizeof(ulong) ? value : 0;
    }

    public static void Close(int fd) => FileSystemInterop.Close(fd);
}
