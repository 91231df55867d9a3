namespace OomWarden.Linux.Notify;

/// <summary>A bounded queue drained by one dedicated background thread: the loop hands work over with
/// <see cref="TryPost"/>, which never blocks (a full queue drops the item and counts it), and the slow part (D-Bus
/// I/O, spawning a hook) runs on the worker. An exception from the handler is counted and logged, never thrown.</summary>
public sealed class BoundedWorker<T> : IDisposable
{
    private readonly Queue<T> _queue = new();
    private readonly int _capacity;
    private readonly Action<T> _handle;
    private readonly Action<string>? _log;
    private readonly Thread _thread;
    private bool _stopping;
    private long _dropped, _failed, _handled;

    public BoundedWorker(string name, int capacity, Action<T> handle, Action<string>? log = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _capacity = capacity;
        _handle = handle;
        _log = log;
        _thread = new Thread(Run) { IsBackground = true, Name = name };
        _thread.Start();
    }

    /// <summary>Items dropped because the queue was full.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Items whose handler threw.</summary>
    public long Failed => Interlocked.Read(ref _failed);

    /// <summary>Items handled (with or without failure).</summary>
    public long Handled => Interlocked.Read(ref _handled);

    /// <summary>Queues <paramref name="item"/>; false (and counted) when the queue is full or the worker stopped.</summary>
    public bool TryPost(T item)
    {
        lock (_queue)
        {
            if (_stopping || _queue.Count >= _capacity)
            {
                _dropped++;
                return false;
            }
            _queue.Enqueue(item);
            Monitor.Pulse(_queue);
            return true;
        }
    }

    private void Run()
    {
        while (true)
        {
            T item;
            lock (_queue)
            {
                while (_queue.Count == 0 && !_stopping) Monitor.Wait(_queue);
                if (_queue.Count == 0) return;
                item = _queue.Dequeue();
            }
            try
            {
                _handle(item);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                Interlocked.Increment(ref _failed);
                _log?.Invoke($"{_thread.Name}: {e.GetType().Name}: {e.Message}");
            }
            Interlocked.Increment(ref _handled);
        }
    }

    /// <summary>Stops taking items; waits up to <paramref name="drain"/> for the queued ones.</summary>
    public void Stop(TimeSpan drain)
    {
        lock (_queue)
        {
            _stopping = true;
            Monitor.PulseAll(_queue);
        }
        _thread.Join(drain);
    }

    public void Dispose() => Stop(TimeSpan.FromSeconds(1));
}
