using System.Runtime.InteropServices;
using OomWarden.Linux.Interop;

namespace OomWarden.Linux.Interop.Process;

/// <summary>poll(2) on one descriptor: a pidfd is readable once its process has exited.</summary>
public static partial class Poll
{
    public const short PollIn = 0x001;
    public const short PollPri = 0x002;
    public const short PollErr = 0x008;
    public const short PollHup = 0x010;

    [StructLayout(LayoutKind.Sequential)]
    private struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    [LibraryImport("libc", EntryPoint = "poll", SetLastError = true)]
    private static unsafe partial int PollNative(PollFd* fds, ulong count, int timeoutMs);

    /// <summary>Waits up to <paramref name="timeoutMs"/> ms; returns the events seen (0 on timeout).</summary>
    public static unsafe short WaitOne(int fd, short events, int timeoutMs)
    {
        var p = new PollFd { Fd = fd, Events = events };
        int r;
        do
        {
            r = PollNative(&p, 1, timeoutMs);
        }
        while (r < 0 && Marshal.GetLastSystemError() == Errno.EINTR);
        return r > 0 ? p.Revents : (short)0;
    }

    /// <summary>Waits on two descriptors at once (a device and a cancel eventfd); returns the events of the first.</summary>
    public static unsafe short WaitFirstOf(int fd, int cancelFd, short events, int timeoutMs)
    {
        var p = stackalloc PollFd[2];
        p[0] = new PollFd { Fd = fd, Events = events };
        p[1] = new PollFd { Fd = cancelFd, Events = PollIn };
        int r;
        do
        {
            r = PollNative(p, 2, timeoutMs);
        }
        while (r < 0 && Marshal.GetLastSystemError() == Errno.EINTR);
        return r > 0 ? p[0].Revents : (short)0;
    }

    /// <summary>Waits on two descriptors; returns poll's result (0 on timeout) and each one's events.</summary>
    public static unsafe int WaitTwo(int fd1, short events1, int fd2, short events2, int timeoutMs, out short revents1, out short revents2)
    {
        var p = stackalloc PollFd[2];
        p[0] = new PollFd { Fd = fd1, Events = events1 };
        p[1] = new PollFd { Fd = fd2, Events = events2 };
        int r;
        do
        {
            r = PollNative(p, 2, timeoutMs);
        }
        while (r < 0 && Marshal.GetLastSystemError() == Errno.EINTR);
        revents1 = r > 0 ? p[0].Revents : (short)0;
        revents2 = r > 0 ? p[1].Revents : (short)0;
        return r;
    }
}
