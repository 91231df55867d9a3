using OomWarden.Linux.Interop.Process;

namespace OomWarden.Linux.Loop;

/// <summary>inotify on every directory of the memory cgroup hierarchy, registered on the loop: a cgroup created or
/// removed sets <see cref="Changed"/> (the host then re-lists the tree).</summary>
public sealed class TreeWatch : IReadyHandler, IDisposable
{
    private readonly EventLoop _loop;
    private readonly Inotify _inotify;
    private ulong _token;

    private TreeWatch(EventLoop loop, Inotify inotify)
    {
        _loop = loop;
        _inotify = inotify;
    }

    public static TreeWatch? TryCreate(EventLoop loop)
    {
        var inotify = Inotify.TryCreate(out _);
        if (inotify is null) return null;
        var w = new TreeWatch(loop, inotify);
        if (loop.TryRegister(inotify.Fd, Epoll.EpollIn, w, out w._token, out _)) return w;
        inotify.Dispose();
        return null;
    }

    /// <summary>Set when a directory was created or removed; the host clears it.</summary>
    public bool Changed { get; set; }

    /// <summary>Adding a watch twice is harmless; watches of removed directories are dropped by the kernel.</summary>
    public bool TryWatch(string directory) => _inotify.TryWatchDirectory(directory);

    public void OnReady(uint events)
    {
        if (_inotify.Drain()) Changed = true;
    }

    public void Dispose()
    {
        _loop.Unregister(_inotify.Fd, _token);
        _inotify.Dispose();
    }
}
