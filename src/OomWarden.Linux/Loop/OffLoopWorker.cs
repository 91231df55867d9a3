using System.Collections.Concurrent;
using OomWarden.Linux.Interop;
using OomWarden.Linux.Interop.Process;

namespace OomWarden.Linux.Loop;

/// <summary>One worker thread for slow work that must not run on the loop (a cgroup kill waiting for its tasks, a
/// <c>memory.reclaim</c> write): started at the first job, it runs the jobs in order, one at a time; each job returns
/// its completion, which comes back through an eventfd the loop watches and runs on the loop's thread.</summary>
public sealed class OffLoopWorker : IReadyHandler, IDisposable
{
    private readonly EventLoop _loop;
    private readonly string _name;
    private readonly TimeSpan _joinBound;
    private readonly ConcurrentQueue<Func<Action>> _jobs = new();
    private readonly ConcurrentQueue<Action> _done = new();
    private readonly SemaphoreSlim _wake = new(0);
    private readonly int _doneFd;
    private readonly ulong _token;
    private Thread? _thread;
    private int _pending;
    private volatile bool _disposed;

    /// <param name="joinBound">How long Dispose waits for a job still running.</param>
    public OffLoopWorker(EventLoop loop, string name, TimeSpan joinBound)
    {
        _loop = loop;
        _name = name;
        _joinBound = joinBound;
        if (!EventFd.TryCreate(out _doneFd, out int errno))
            throw new InvalidOperationException("eventfd: " + Errno.Describe(errno));
        if (!loop.TryRegister(_doneFd, Epoll.EpollIn, this, out _token, out errno))
            throw new InvalidOperationException($"epoll_ctl({name} eventfd): " + Errno.Describe(errno));
    }

    /// <summary>Jobs started whose completion the loop has not run yet.</summary>
    public int Pending => Volatile.Read(ref _pending);

    /// <summary>Queues <paramref name="job"/> (run on the worker; it must not throw) whose returned action runs on
    /// the loop's thread.</summary>
    public void Start(Func<Action> job)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        Interlocked.Increment(ref _pending);
        _jobs.Enqueue(job);
        if (_thread is null)
        {
            // Small stack: the jobs recurse nowhere and their buffers live on the heap.
            _thread = new Thread(Run, 256 * 1024) { IsBackground = true, Name = _name };
            _thread.Start();
        }
        _wake.Release();
    }

    /// <summary>The loop woke for the eventfd: runs every finished job's completion.</summary>
    public void OnReady(uint events)
    {
        EventFd.Drain(_doneFd);
        DeliverDone();
    }

    /// <summary>At stop: waits up to <paramref name="timeout"/> for the jobs still running and runs their completions.</summary>
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
        while (_done.TryDequeue(out var completion))
        {
            Interlocked.Decrement(ref _pending);
            completion();
        }
    }

    private void Run()
    {
        while (!_disposed)
        {
            _wake.Wait();
            while (!_disposed && _jobs.TryDequeue(out var job))
            {
                _done.Enqueue(job());
                RawFile.TryWrite(_doneFd, BitConverter.GetBytes(1UL), out _);
            }
        }
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _wake.Release();
        bool stopped = _thread?.Join(_joinBound) ?? true;
        _loop.Unregister(_doneFd, _token);
        // Still running: its eventfd stays open (the thread writes to it when done; a closed fd could be reused).
        if (stopped) EventFd.Close(_doneFd);
    }
}
