using System.Runtime.InteropServices;

namespace OomWarden.Linux.Interop.Process;

/// <summary>pidfd_open, pidfd_send_signal and process_mrelease: signals that cannot hit a recycled pid.</summary>
public static class Pidfd
{
    /// <summary>Opens a pidfd; false with errno (ESRCH when the process is gone).</summary>
    public static bool TryOpen(int pid, out int fd, out int errno)
    {
        long r = SysCall.Invoke(SysCall.PidfdOpen, pid, 0, 0, 0);
        if (r < 0)
        {
            fd = -1;
            errno = Marshal.GetLastSystemError();
            return false;
        }
        fd = (int)r;
        errno = 0;
        return true;
    }

    /// <summary>Sends <paramref name="signal"/> through the pidfd; false with errno (ESRCH when it already exited).</summary>
    public static bool TrySendSignal(int pidfd, int signal, out int errno)
    {
        long r = SysCall.Invoke(SysCall.PidfdSendSignal, pidfd, signal, 0, 0);
        errno = r < 0 ? Marshal.GetLastSystemError() : 0;
        return r == 0;
    }

    /// <summary>Reaps a SIGKILLed process's memory now, instead of waiting for its exit path (5.15+).</summary>
    public static bool TryMemoryRelease(int pidfd, out int errno)
    {
        long r = SysCall.Invoke(SysCall.ProcessMrelease, pidfd, 0, 0, 0);
        errno = r < 0 ? Marshal.GetLastSystemError() : 0;
        return r == 0;
    }
}
