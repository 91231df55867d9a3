using System.Runtime.InteropServices;
using OomWarden.Linux.Interop;
using OomWarden.Linux.Interop.FileSystem;

namespace OomWarden.Linux.Interop.Process;

/// <summary>epoll(7): the daemon sleeps here, woken by its timeout, a PSI trigger, a v1 memory
/// threshold eventfd or a v2 memory.events change.</summary>
public static partial class Epoll
{
    public const uint EpollIn = 0x001;
    public const uint EpollPri = 0x002;
    public const uint EpollErr = 0x008;
    public const uint EpollEt = 1u << 31;
    private const int EpollCtlAdd = 1;
    private const int EpollCtlDel = 2;
    private const int EpollCloexec = 0x80000;

    [StructLayout(LayoutKind.Sequential, Pack = 1)]
    public struct Event
    {
        public uint Events;
        public ulong Data;
    }

    [LibraryImport("libc", EntryPoint = "epoll_create1", SetLastError = true)]
    private static partial int Create1(int flags);

    [LibraryImport("libc", EntryPoint = "epoll_ctl", SetLastError = true)]
    private static unsafe partial int Ctl(int epfd, int op, int fd, Event* ev);

    [LibraryImport("libc", EntryPoint = "epoll_wait", SetLastError = true)]
    private static unsafe partial int WaitNative(int epfd, Event* events, int maxEvents, int timeoutMs);

    public static int Create()
    {
        int fd = Create1(EpollCloexec);
        if (fd < 0) throw new InvalidOperationException("epoll_create1 failed: " + Errno.Describe(Marshal.GetLastSystemError()));
        return fd;
    }

    public static unsafe bool TryAdd(int epfd, int fd, uint events, ulong data, out int errno)
    {
        var ev = new Event { Events = events, Data = data };
        int r = Ctl(epfd, EpollCtlAdd, fd, &ev);
        errno = r < 0 ? Marshal.GetLastSystemError() : 0;
        return r == 0;
    }

    public static unsafe void Remove(int epfd, int fd) => Ctl(epfd, EpollCtlDel, fd, null);

    /// <summary>Waits; returns the number of events written to <paramref name="events"/> (0 on timeout or EINTR).</summary>
    public static unsafe int Wait(int epfd, Span<Event> events, int timeoutMs)
    {
        fixed (Event* p = events)
        {
            int r = WaitNative(epfd, p, events.Length, timeoutMs);
            return r < 0 ? 0 : r;
        }
    }

    public static void Close(int fd) => FileSystemInterop.Close(fd);
}
