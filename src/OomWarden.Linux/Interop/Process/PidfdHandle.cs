using OomWarden.Linux.Interop.FileSystem;
namespace OomWarden.Linux.Interop.Process;

/// <summary>An open pidfd. Dispose closes it.</summary>
public sealed class PidfdHandle : IDisposable
{
    private int _fd;

    private PidfdHandle(int fd, int pid)
    {
        _fd = fd;
        Pid = pid;
    }

    public int Pid { get; }

    public int Fd => _fd;

    public static bool TryOpen(int pid, out PidfdHandle? handle, out int errno)
    {
        if (!Pidfd.TryOpen(pid, out int fd, out errno))
        {
            handle = null;
            return false;
        }
        handle = new PidfdHandle(fd, pid);
        return true;
    }

    public bool TrySignal(int signal, out int errno) => Pidfd.TrySendSignal(_fd, signal, out errno);

    public bool TryMemoryRelease(out int errno) => Pidfd.TryMemoryRelease(_fd, out errno);

    /// <summary>True once the process has exited (the pidfd turns readable), waiting at most <paramref name="timeout"/>.</summary>
    public bool WaitExit(TimeSpan timeout)
    {
        int ms = Loop.PollTimeout.Milliseconds(timeout);
        return (Poll.WaitOne(_fd, Poll.PollIn, ms) & (Poll.PollIn | Poll.PollHup)) != 0;
    }

    public void Dispose()
    {
        int fd = Interlocked.Exchange(ref _fd, -1);
        if (fd >= 0) FileSystemInterop.Close(fd);
    }
}
