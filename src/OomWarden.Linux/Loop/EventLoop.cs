using OomWarden.Linux.Interop;
using OomWarden.Linux.Interop.Process;

namespace OomWarden.Linux.Loop;

/// <summary>Something the loop wakes for: a PSI trigger, an eventfd, inotify, a victim's pidfd.</summary>
public interface IReadyHandler
{
    /// <summary>Called on the loop's thread when the descriptor is ready; must not block.</summary>
    void OnReady(uint events);
}

/// <summary>The daemon's one place to sleep: epoll over registered descriptors, each with its handler, plus a stop
/// eventfd. A wait dispatches what fired and returns; it allocates nothing.</summary>
public sealed class EventLoop : IDisposable
{
    private const ulong StopToken = 0;
    private readonly int _epoll;
    private readonly int _stopFd;
    private readonly Epoll.Event[] _events = new Epoll.Event[32];
    private readonly Dictionary<ulong, IReadyHandler> _handlers = [];
    private ulong _nextToken = 1;
    private volatile bool _stopping;

    public EventLoop()
    {
        _epoll = Epoll.Create();
        if (!EventFd.TryCreate(out _stopFd, out int errno))
            throw new InvalidOperationException("eventfd: " + Errno.Describe(errno));
        if (!Epoll.TryAdd(_epoll, _stopFd, Epoll.EpollIn, StopToken, out errno))
            throw new InvalidOperationException("epoll_ctl(stop eventfd): " + Errno.Describe(errno));
    }

    /// <summary>Descriptors registered (the stop eventfd not counted).</summary>
    public int Count => _handlers.Count;

    public bool IsStopping => _stopping;

    /// <summary>Adds <paramref name="fd"/>; the returned token removes it again. False with errno when epoll refuses
    /// (a regular file, a closed fd).</summary>
    public bool TryRegister(int fd, uint events, IReadyHandler handler, out ulong token, out int errno)
    {
        token = _nextToken++;
        if (!Epoll.TryAdd(_epoll, fd, events, token, out errno))
        {
            token = 0;
            return false;
        }
        _handlers[token] = handler;
        return true;
    }

    /// <summary>Stops watching <paramref name="fd"/> (before it is closed; a closed fd leaves epoll by itself).</summary>
    public void Unregister(int fd, ulong token)
    {
        if (token == 0 || !_handlers.Remove(token)) return;
        Epoll.Remove(_epoll, fd);
    }

    /// <summary>Sleeps until something fires or <paramref name="timeout"/> passes, then calls the handlers of what
    /// fired. False once a stop was requested.</summary>
    public bool RunOnce(TimeSpan timeout)
    {
        if (_stopping) return false;
        int ms = PollTimeout.Milliseconds(timeout);
        int n = Epoll.Wait(_epoll, _events, ms);
        for (int i = 0; i < n; i++)
        {
            ulong token = _events[i].Data;
            if (token == StopToken)
            {
                EventFd.Drain(_stopFd);
                _stopping = true;
                continue;
            }
            // A handler earlier in this batch may have unregistered this one.
            if (_handlers.TryGetValue(token, out var handler)) handler.OnReady(_events[i].Events);
        }
        return !_stopping;
    }

    /// <summary>Async-signal-safe enough for a PosixSignalRegistration handler: one write(2).</summary>
    public void RequestStop() => RawFile.TryWrite(_stopFd, BitConverter.GetBytes(1UL), out _);

    public void Dispose()
    {
        EventFd.Close(_stopFd);
        Epoll.Close(_epoll);
    }
}
