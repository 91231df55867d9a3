using System.Diagnostics.CodeAnalysis;
using OomWarden.Linux.Interop.Process;
using OomWarden.Linux.IO;
using OomWarden.Linux.Loop;

namespace OomWarden.Linux.Cgroups;

/// <summary>One cgroup v1 eventfd notification (cgroup.event_control: "EVENTFD FD [ARGS]"), registered on the loop:
/// usage thresholds and pressure levels (<see cref="CgroupWakeup"/>) and the OOM notification
/// (<see cref="OomDelay.V1OomWait"/>). The kernel drops the registration when the eventfd is closed or the cgroup
/// removed.</summary>
public sealed class V1EventRegistration : IDisposable
{
    private readonly EventLoop _loop;
    private int _eventFd = -1, _watchedFd = -1;
    private ulong _token;

    private V1EventRegistration(EventLoop loop) => _loop = loop;

    /// <param name="file">The watched file in <paramref name="directory"/> (memory.usage_in_bytes, memory.oom_control...).</param>
    /// <param name="arguments">What follows the two descriptors (a threshold, a level); null for none.</param>
    public static V1EventRegistration? TryRegister(EventLoop loop, string directory, string file, string? arguments,
        IReadyHandler handler, [NotNullWhen(false)] out string? error)
    {
        var r = new V1EventRegistration(loop);
        if (!EventFd.TryCreate(out r._eventFd, out int errno))
        {
            error = Interop.Errno.Describe(errno, "eventfd", directory);
            return null;
        }
        string watched = Path.Combine(directory, file);
        if (!RawFile.TryOpen(watched, RawFile.ORdOnly, out r._watchedFd, out errno))
        {
            error = Interop.Errno.Describe(errno, "open", watched);
            r.Dispose();
            return null;
        }
        string line = arguments is null ? $"{r._eventFd} {r._watchedFd}" : $"{r._eventFd} {r._watchedFd} {arguments}";
        if (!ControlFile.TryWriteFile(Path.Combine(directory, CgroupFiles.EventControl), System.Text.Encoding.ASCII.GetBytes(line), out error)
            || !loop.TryRegister(r._eventFd, Epoll.EpollIn, handler, out r._token, out errno))
        {
            error ??= Interop.Errno.Describe(errno, "epoll_ctl", directory);
            r.Dispose();
            return null;
        }
        error = null;
        return r;
    }

    /// <summary>Consumes the eventfd's counter (level-triggered epoll would spin); the count of notifications.</summary>
    public ulong Drain() => _eventFd >= 0 ? EventFd.Drain(_eventFd) : 0;

    public void Dispose()
    {
        if (_token != 0) _loop.Unregister(_eventFd, _token);
        if (_eventFd >= 0) EventFd.Close(_eventFd);
        if (_watchedFd >= 0) RawFile.Close(_watchedFd);
        _eventFd = _watchedFd = -1;
        _token = 0;
    }
}
