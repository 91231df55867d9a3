using System.Collections.Concurrent;
using OomWarden.Core.Policy;
using OomWarden.Linux.Parsing;
using OomWarden.Linux.Interop;
using OomWarden.Linux.Interop.Process;
using OomWarden.Linux.Loop;

namespace OomWarden.Linux.Actions;

/// <summary>Runs cgroup kills off the loop. Emptying a cgroup waits for its tasks to exit (up to
/// <see cref="CgroupKiller.Bound"/>, 10 s): on the loop that would leave every other domain unwatched meanwhile.
/// One worker thread, started at the first kill, takes the kills in order; each outcome comes back through an
/// eventfd the loop watches and is handed to its callback on the loop's thread.</summary>
/// <remarks>The killer owns its buffers and its own <see cref="Processes.ProcessReader"/>: nothing it touches is
/// shared with the loop.</remarks>
public sealed class CgroupKillWorker : IReadyHandler, IDisposable
{
    private readonly CgroupKiller _killer;
    private readonly EventLoop _loop;
    private readonly ConcurrentQueue<Request> _requests = new();
    private readonly ConcurrentQueue<(Request Request, CgroupKillOutcome Outcome)> _done = new();
    private readonly SemaphoreSlim _wake = new(0);
    private readonly int _doneFd;
    private readonly ulong _token;
    private Thread? _thread;
    private int _pending;
    private volatile bool _disposed;

    public CgroupKillWorker(CgroupKiller killer, EventLoop loop)
    {
        _killer = killer;
        _loop = loop;
        if (!EventFd.TryCreate(out _doneFd, out int errno))
            throw new InvalidOperationException("eventfd: " + Errno.Describe(errno));
        if (!loop.TryRegister(_doneFd, Interop.Process.Epoll.EpollIn, this, out _token, out errno))
            throw new InvalidOperationException("epoll_ctl(cgroup kill eventfd): " + Errno.Describe(errno));
    }

    /// <summary>Kills started whose outcome the loop has not taken yet.</summary>
    public int Pending => Volatile.Read(ref _pending);

    /// <summary>Queues the kill of <paramref name="cgroupPath"/>; <paramref name="onDone"/> runs on the loop's thread.</summary>
    public void Start(string cgroupPath, string directory, CgroupVersion version, Action<CgroupKillOutcome> onDone)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        Interlocked.Increment(ref _pending);
        _requests.Enqueue(new Request(cgroupPath, directory, version, onDone));
        if (_thread is null)
        {
            // Small stack: the killer recurses nowhere and its buffers live on the heap.
            _thread = new Thread(Run, 256 * 1024) { IsBackground = true, Name = "cgroup-kill" };
            _thread.Start();
        }
        _wake.Release();
    }

    /// <summary>The loop woke for the eventfd: hands every finished kill to its callback.</summary>
    public void OnReady(uint events)
    {
        EventFd.Drain(_doneFd);
        DeliverDone();
    }

    /// <summary>At stop: waits up to <paramref name="timeout"/> for the kills still running and delivers them.</summary>
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
            d.Request.OnDone(d.Outcome);
        }
    }

    private void Run()
    {
        while (!_disposed)
        {
            _wake.Wait();
            while (_requests.TryDequeue(out var r))
            {
                CgroupKillOutcome outcome;
                try
                {
                    outcome = _killer.KillAll(r.CgroupPath, r.Directory, r.Version);
                }
                catch (Exception e)
                {
                    outcome = new CgroupKillOutcome(KillResult.Failed, 0, 0, [], 0, 0, 0, TimeSpan.Zero, e.Message);
                }
                _done.Enqueue((r, outcome));
                RawFile.TryWrite(_doneFd, BitConverter.GetBytes(1UL), out _);
            }
        }
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _wake.Release();
        _thread?.Join(_killer.Bound + TimeSpan.FromSeconds(1));
        _loop.Unregister(_doneFd, _token);
        EventFd.Close(_doneFd);
    }

    private sealed record Request(string CgroupPath, string Directory, CgroupVersion Version, Action<CgroupKillOutcome> OnDone);
}
