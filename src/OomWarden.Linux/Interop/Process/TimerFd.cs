using System.Runtime.InteropServices;
using OomWarden.Linux.Interop.FileSystem;

namespace OomWarden.Linux.Interop.Process;

/// <summary>timerfd_create(2) on CLOCK_MONOTONIC: a periodic wake-up of the epoll loop (the metrics textfile),
/// so the loop's own sleep computation need not know about it.</summary>
public static unsafe partial class TimerFd
{
    private const int ClockMonotonic = 1;
    private const int TfdNonBlock = 0x800, TfdCloexec = 0x80000;

    [LibraryImport("libc", EntryPoint = "timerfd_create", SetLastError = true)]
    private static partial int CreateNative(int clock, int flags);

    [LibraryImport("libc", EntryPoint = "timerfd_settime", SetLastError = true)]
    private static partial int SetTimeNative(int fd, int flags, long* newValue, long* oldValue);

    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    private static partial nint Read(int fd, void* buffer, nuint count);

    /// <summary>A timer firing every <paramref name="period"/>, first after <paramref name="first"/>.</summary>
    public static bool TryCreate(TimeSpan first, TimeSpan period, out int fd, out int errno)
    {
        fd = CreateNative(ClockMonotonic, TfdNonBlock | TfdCloexec);
        errno = fd < 0 ? Marshal.GetLastSystemError() : 0;
        if (fd < 0) return false;
        if (TrySet(fd, first, period, out errno)) return true;
        Close(fd);
        fd = -1;
        return false;
    }

    public static bool TrySet(int fd, TimeSpan first, TimeSpan period, out int errno)
    {
        long* spec = stackalloc long[4];
        long p = (long)(period.TotalMilliseconds * 1_000_000), f = Math.Max(1, (long)(first.TotalMilliseconds * 1_000_000));
        spec[0] = p / 1_000_000_000; spec[1] = p % 1_000_000_000;
        spec[2] = f / 1_000_000_000; spec[3] = f % 1_000_000_000;
        int r = SetTimeNative(fd, 0, spec, null);
        errno = r < 0 ? Marshal.GetLastSystemError() : 0;
        return r == 0;
    }

    /// <summary>Expirations since the last read (0 when none).</summary>
    public static ulong Drain(int fd)
    {
        ulong value = 0;
        return Read(fd, &value, sizeof(ulong)) == sizeof(ulong) ? value : 0;
    }

    public static void Close(int fd) => FileSystemInterop.Close(fd);
}
