using OomWarden.Core.Engine;
using OomWarden.Core.Policy;
using OomWarden.Linux.Interop;
using OomWarden.Linux.Interop.Process;
using OomWarden.Linux.Loop;

namespace OomWarden.Linux.Actions;

/// <summary>The pidfds of victims in flight, by kill id: opened only when they name the chosen process (pid and start
/// time), watched on the loop (a pidfd turns readable when its process exits), signalled and mreleased through,
/// closed when the engine is done. Nothing here waits.</summary>
public sealed class VictimPidfds : IDisposable
{
    private readonly EventLoop _loop;
    private readonly ProcessKiller _verifier;
    private readonly Dictionary<long, Watch> _open = [];

    public VictimPidfds(EventLoop loop, StartTimeReader startTime)
    {
        _loop = loop;
        _verifier = new ProcessKiller(startTime);
    }

    public int Count => _open.Count;

    /// <summary>Opens and watches the victim; false when it is gone or its pid names another process.</summary>
    /// <param name="onExit">Called once, on the loop's thread, when the process exits.</param>
    public bool TryOpen(long killId, int pid, ulong startTimeTicks, Action onExit)
    {
        Close(killId);
        var handle = _verifier.OpenVerified(pid, startTimeTicks);
        if (handle is null) return false;
        var watch = new Watch(this, handle, onExit);
        // Without the watch the exit would go unseen; a pidfd is always pollable, so this fails only on ENOMEM.
        if (!_loop.TryRegister(handle.Fd, Epoll.EpollIn, watch, out watch.Token, out _))
        {
            handle.Dispose();
            return false;
        }
        _open[killId] = watch;
        return true;
    }

    public SignalResult Signal(long killId, int signal, out string? error)
    {
        error = null;
        if (!_open.TryGetValue(killId, out var w)) return SignalResult.Gone;
        if (w.Handle.TrySignal(signal, out int errno)) return SignalResult.Sent;
        if (errno == Errno.ESRCH) return SignalResult.Gone;
        error = $"pidfd_send_signal({Signals.Name(signal)}) to {w.Handle.Pid}: {Errno.Describe(errno)}";
        return SignalResult.Failed;
    }

    /// <summary>process_mrelease after SIGKILL: the kernel reaps the address space now instead of at exit. ESRCH or
    /// EINVAL (already gone, not yet dying) are not errors.</summary>
    public bool TryReleaseMemory(long killId)
        => _open.TryGetValue(killId, out var w) && w.Handle.TryMemoryRelease(out _);

    /// <summary>True when the victim has exited (its pidfd is readable), without waiting.</summary>
    public bool HasExited(long killId) => _open.TryGetValue(killId, out var w) && w.Handle.WaitExit(TimeSpan.Zero);

    public void Close(long killId)
    {
        if (!_open.Remove(killId, out var w)) return;
        _loop.Unregister(w.Handle.Fd, w.Token);
        w.Handle.Dispose();
    }

    public void Dispose()
    {
        var ids = new long[_open.Count];
        _open.Keys.CopyTo(ids, 0);
        foreach (var id in ids) Close(id);
    }

    private sealed class Watch(VictimPidfds owner, PidfdHandle handle, Action onExit) : IReadyHandler
    {
        public ulong Token;
        private bool _fired;

        public PidfdHandle Handle { get; } = handle;

        public void OnReady(uint events)
        {
            if (_fired) return;
            _fired = true;
            // Level-triggered: stop watching at once; the fd stays open for the engine's CloseVictim.
            owner._loop.Unregister(Handle.Fd, Token);
            Token = 0;
            onExit();
        }
    }
}
