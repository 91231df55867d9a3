using System.Collections.Concurrent;
using OomWarden.Core.Levels;
using OomWarden.Linux.Interop;
using OomWarden.Linux.Interop.Process;
using OomWarden.Linux.Loop;

namespace OomWarden.Linux.Actions;

/// <summary>Runs <c>memory.reclaim</c> steps off the loop: the kernel reclaims in the writer's context, which can
/// take long, and every domain must stay watched meanwhile. One worker thread, started at the first step, takes the
/// steps in order, one at a time; each finished step comes back through an eventfd the loop watches and is handed
/// to its callback on the loop's thread (as <see cref="CgroupKillWorker"/> does for cgroup kills).</summary>
public sealed class ReclaimWorker : IReadyHandler, IDisposable
{
    private readonly CgroupReclaimer _reclaimer = new();
    private readonly EventLoop _loop;
    private readonly ConcurrentQueue<Request> _requests = new();
    private readonly ConcurrentQueue<Request> _done = new();
    private readonly SemaphoreSlim _wake = new(0);
    private readonly int _doneFd;
    private readonly ulong _token;
    private Thread? _thread;
    private int _pending;
    private volatile bool _disposed;

    public ReclaimWorker(EventLoop loop)
    {
        _loop = loop;
        if (!EventFd.TryCreate(out _doneFd, out int errno))
            throw new InvalidOperationException("eventfd: " + Errno.Describe(errno));
        if (!loop.TryRegister(_doneFd, Epoll.EpollIn, this, out _token, out errno))
            throw new InvalidOperationException("epoll_ctl(reclaim eventfd): " + Errno.Describe(errno));
    }

    /// <summary>Steps started whose outcome the loop has not taken yet.</summary>
    public int Pending => Volatile.Read(ref _pending);

    /// <summary>Queues <paramref name="step"/> on <paramref name="directory"/>; <paramref name="onDone"/> runs on the
    /// loop's thread with the step's result filled in.</summary>
    public void Start(ReclaimStep step, string directory, Action<ReclaimStep> onDone)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        Interlocked.Increment(ref _pending);
        _requests.Enqueue(new Request(step, directory, onDone));
        if (_thread is null)
        {
            _thread = new Thread(Run, 256 * 1024) { IsBackground = true, Name = "reclaim" };
            _thread.Start();
        }
        _wake.Release();
    }

    public void OnReady(uint events)
    {
        EventFd.Drain(_doneFd);
        DeliverDone();
    }

    /// <summary>At stop: waits up to <paramref name="timeout"/> for a step still running and delivers it.</summary>
    public void Finish(TimeSpan timeout)
    {
        var until = DateTime.UtcNow + timeout;
        while (Pending > 0 && DateTime.UtcNow < until)
        {
            DeliverDone();
            if (Pending > 0) Thread.Sleep(5);
        }
        DeliverDone();
    }

    private void DeliverDone()
    {
        while (_done.TryDequeue(out var d))
        {
            Interlocked.Decrement(ref _pending);
            d.OnDone(d.Step);
        }
    }

    private void Run()
    {
        while (!_disposed)
        {
            _wake.Wait();
            while (!_disposed && _requests.TryDequeue(out var r))
            {
                try
                {
                    _reclaimer.Run(r.Step, r.Directory);
                }
                catch (Exception e)
                {
                    r.Step.Result = ReclaimResult.Failed;
                    r.Step.Error = e.Message;
                }
                _done.Enqueue(r);
                RawFile.TryWrite(_doneFd, BitConverter.GetBytes(1UL), out _);
            }
        }
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _wake.Release();
        // A write of memory.reclaim cannot be interrupted from here; the thread is a background thread.
        bool stopped = _thread?.Join(TimeSpan.FromSeconds(2)) ?? true;
        _loop.Unregister(_doneFd, _token);
        // Still writing: its eventfd stays open (the thread writes to it when done; a closed fd could be reused).
        if (stopped) EventFd.Close(_doneFd);
    }

    private sealed record Request(ReclaimStep Step, string Directory, Action<ReclaimStep> OnDone);
}
