using OomWarden.Linux.Interop.Process;
using OomWarden.Linux.Interop;
using OomWarden.Linux.IO;

namespace OomWarden.Daemon;

/// <summary>The one place the daemon sleeps: epoll over its timeout, a stop eventfd, a PSI trigger on
/// /proc/pressure/memory, and the watched cgroups' wake-ups.</summary>
public sealed class WakeSources : IDisposable
{
    public const ulong StopToken = ulong.MaxValue;
    public const ulong PsiToken = ulong.MaxValue - 1;
    public const ulong TreeToken = ulong.MaxValue - 2;

    private readonly int _epoll;
    private readonly int _stopFd;
    private readonly Epoll.Event[] _events = new Epoll.Event[16];
    private int _psiFd = -1;

    public WakeSources()
    {
        _epoll = Epoll.Create();
        if (!EventFd.TryCreate(out _stopFd, out int errno))
            throw new InvalidOperationException("eventfd: " + Errno.Describe(errno));
        Epoll.TryAdd(_epoll, _stopFd, Epoll.EpollIn, StopToken, out _);
    }

    public int EpollFd => _epoll;

    /// <summary>A PSI trigger: wake when memory stalls for <paramref name="stallUs"/> within the window.
    /// Unprivileged (no CAP_SYS_RESOURCE) triggers need a window that is a multiple of 2 s: tries 1 s, then 2 s.
    /// Returns the trigger text used, or null with the reason.</summary>
    public string? TryAddPsiTrigger(string pressurePath, out string? error)
    {
        error = null;
        foreach (var (stallUs, windowUs) in new[] { (100_000, 1_000_000), (150_000, 2_000_000) })
        {
            // Only a kernel file is written: a --proc-root fixture tree stays untouched.
            if (!ControlFile.TryOpen(pressurePath, RawFile.ORdWr | RawFile.ONonBlock, out int fd, out string? openError))
            {
                error = "PSI trigger unavailable: " + openError;
                return null;
            }
            string trigger = $"some {stallUs} {windowUs}";
            if (RawFile.TryWrite(fd, System.Text.Encoding.ASCII.GetBytes(trigger + "\0"), out int errno)
                && Epoll.TryAdd(_epoll, fd, Epoll.EpollPri, PsiToken, out errno))
            {
                _psiFd = fd;
                error = null;
                return trigger;
            }
            RawFile.Close(fd);
            error = $"PSI trigger '{trigger}' refused: {Errno.Describe(errno)}";
        }
        return null;
    }

    /// <summary>Sleeps until a wake-up or the timeout; returns false when asked to stop.
    /// Calls <paramref name="onToken"/> for each cgroup token that fired. Allocates nothing.</summary>
    public bool Wait(TimeSpan timeout, Action<ulong> onToken)
    {
        int ms = (int)Math.Clamp(Math.Ceiling(timeout.TotalMilliseconds), 0, int.MaxValue);
        int n = Epoll.Wait(_epoll, _events, ms);
        bool keepGoing = true;
        for (int i = 0; i < n; i++)
        {
            ulong token = _events[i].Data;
            if (token == StopToken) keepGoing = false;
            else if (token != PsiToken) onToken(token);
        }
        return keepGoing;
    }

    /// <summary>Async-signal-safe enough for a PosixSignalRegistration handler: one write(2).</summary>
    public void RequestStop() => RawFile.TryWrite(_stopFd, BitConverter.GetBytes(1UL), out _);

    public void Dispose()
    {
        if (_psiFd >= 0) RawFile.Close(_psiFd);
        EventFd.Close(_stopFd);
        Epoll.Close(_epoll);
    }
}
