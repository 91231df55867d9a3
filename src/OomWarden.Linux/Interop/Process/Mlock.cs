using System.Runtime.InteropServices;
using OomWarden.Linux.Interop;

namespace OomWarden.Linux.Interop.Process;

/// <summary>mlockall(2): keep the daemon's pages in RAM so it runs when the machine has none to spare.</summary>
public static partial class Mlock
{
    public const int McCurrent = 1;
    public const int McFuture = 2;
    public const int McOnFault = 4;

    [LibraryImport("libc", EntryPoint = "mlockall", SetLastError = true)]
    private static partial int MlockAll(int flags);

    [LibraryImport("libc", EntryPoint = "munlockall", SetLastError = true)]
    private static partial int MunlockAll();

    /// <summary>True when the daemon's pages are locked (mlockall succeeded); the trim has to unlock first.</summary>
    public static bool IsLocked { get; private set; }

    /// <summary>munlockall(2): madvise(MADV_DONTNEED) refuses locked ranges. False with errno on failure.</summary>
    public static bool TryUnlockAll(out int errno)
    {
        int r = MunlockAll();
        errno = r == 0 ? 0 : Marshal.GetLastSystemError();
        if (r == 0) IsLocked = false;
        return r == 0;
    }

    /// <summary>Runs <paramref name="body"/> with the daemon's pages unlocked when they are locked (madvise(MADV_DONTNEED)
    /// refuses locked ranges), then locks again with MCL_ONFAULT, which locks only what is still resident. False
    /// (body not run) when munlockall fails; <paramref name="warning"/> is that failure, or mlockall's afterwards.</summary>
    public static bool WhileUnlocked(Action body, out string? warning)
    {
        warning = null;
        bool relock = IsLocked;
        if (relock && !TryUnlockAll(out int errno))
        {
            warning = $"munlockall: {Errno.Describe(errno)}";
            return false;
        }
        try
        {
            body();
        }
        finally
        {
            if (relock) warning = TryLockAll();
        }
        return true;
    }

    /// <summary>Locks current and future pages on fault; null on success, else a message naming the limit.</summary>
    public static string? TryLockAll()
    {
        if (MlockAll(McCurrent | McFuture | McOnFault) == 0)
        {
            IsLocked = true;
            return null;
        }
        int errno = Marshal.GetLastSystemError();
        return errno switch
        {
            Errno.ENOMEM or Errno.EAGAIN =>
                $"mlockall failed: {Errno.Describe(errno)}: RLIMIT_MEMLOCK is too small (set LimitMEMLOCK=infinity or grant CAP_IPC_LOCK); running unlocked",
            Errno.EPERM =>
                $"mlockall failed: {Errno.Describe(errno)}: needs CAP_IPC_LOCK or a large RLIMIT_MEMLOCK; running unlocked",
            Errno.EINVAL =>
                $"mlockall failed: {Errno.Describe(errno)}: MCL_ONFAULT needs Linux 4.4; running unlocked",
            _ => $"mlockall failed: {Errno.Describe(errno)}; running unlocked",
        };
    }
}
