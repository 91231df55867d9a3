using OomWarden.Linux.Interop;
using OomWarden.Linux.Interop.Process;
using OomWarden.Linux.IO;

namespace OomWarden.Linux.Loop;

/// <summary>A PSI trigger on /proc/pressure/memory registered on the loop: the kernel wakes the daemon when memory
/// stalls for a while within a window. Firing means "tick now"; there is nothing to read.</summary>
public sealed class PsiTrigger : IReadyHandler, IDisposable
{
    private readonly EventLoop _loop;
    private readonly int _fd;
    private readonly ulong _token;

    private PsiTrigger(EventLoop loop, int fd, ulong token, string trigger)
    {
        _loop = loop;
        _fd = fd;
        _token = token;
        Trigger = trigger;
    }

    /// <summary>The trigger text the kernel accepted ("some 100000 1000000").</summary>
    public string Trigger { get; }

    /// <summary>Unprivileged (no CAP_SYS_RESOURCE) triggers need a window that is a multiple of 2 s: tries 1 s, then 2 s.
    /// Null with the reason when the kernel refuses both.</summary>
    public static PsiTrigger? TryAdd(EventLoop loop, string pressurePath, out string? error)
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
            int errno;
            string trigger = $"some {stallUs} {windowUs}";
            var probe = new Holder();
            if (RawFile.TryWrite(fd, System.Text.Encoding.ASCII.GetBytes(trigger + "\0"), out errno)
                && loop.TryRegister(fd, Epoll.EpollPri, probe, out ulong token, out errno))
            {
                var t = new PsiTrigger(loop, fd, token, trigger);
                probe.Target = t;
                return t;
            }
            RawFile.Close(fd);
            error = $"PSI trigger '{trigger}' refused: {Errno.Describe(errno)}";
        }
        return null;
    }

    public void OnReady(uint events) { }

    public void Dispose()
    {
        _loop.Unregister(_fd, _token);
        RawFile.Close(_fd);
    }

    /// <summary>Registered before the trigger object exists (the token is needed to build it).</summary>
    private sealed class Holder : IReadyHandler
    {
        public PsiTrigger? Target;

        public void OnReady(uint events) => Target?.OnReady(events);
    }
}
