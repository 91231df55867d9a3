using System.Runtime.ExceptionServices;

namespace OomWarden.Commands;

/// <summary>
/// Reads its source on a thread of its own, a few chunks ahead of the reader: <c>analyze</c>'s reading thread then
/// copies bytes from memory instead of waiting in <c>pread</c> (the kernel's copy from the page cache, an eighth of a
/// dense log's work) or in the gzip decoder. Read only, forward only, one reader. The source's failure is thrown by
/// <see cref="Read(byte[], int, int)"/> after the bytes read before it, as the source would have thrown it. Bounded:
/// <see cref="Chunks"/> chunks of <see cref="ChunkBytes"/>. The source stays the caller's (disposed by it); a read
/// under way when the caller stops ends on a background thread.
/// </summary>
internal sealed class ReadAheadStream : Stream
{
    private const int ChunkBytes = 1 << 20;
    private const int Chunks = 3;

    private readonly Stream _source;
    private readonly object _lock = new();
    private readonly Queue<(byte[] Buffer, int Length)> _ready = new();
    private readonly Stack<byte[]> _free = new();
    private byte[]? _current;
    private int _currentLength, _currentAt;
    private bool _sourceEnded; // the thread read the end (or failed): nothing more comes after _ready
    private bool _stopped;
    private ExceptionDispatchInfo? _failure;

    public ReadAheadStream(Stream source)
    {
        _source = source;
        for (int i = 0; i < Chunks; i++) _free.Push(new byte[ChunkBytes]);
        new Thread(Fill) { IsBackground = true, Name = "analyze input" }.Start();
    }

    private void Fill()
    {
        while (true)
        {
            byte[] chunk;
            lock (_lock)
            {
                while (_free.Count == 0 && !_stopped) Monitor.Wait(_lock);
                if (_stopped) return;
                chunk = _free.Pop();
            }
            int n;
            try
            {
                // a short read (a pipe) is handed on as it is: the reader works on what there is
                n = _source.Read(chunk, 0, chunk.Length);
            }
            catch (Exception e)
            {
                lock (_lock)
                {
                    _failure = ExceptionDispatchInfo.Capture(e);
                    _sourceEnded = true;
                    Monitor.PulseAll(_lock);
                }
                return;
            }
            lock (_lock)
            {
                if (n > 0) _ready.Enqueue((chunk, n));
                else _sourceEnded = true;
                Monitor.PulseAll(_lock);
            }
            if (n <= 0) return;
        }
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (buffer.IsEmpty) return 0;
        if (_current is null && !NextChunk()) return 0;
        int n = Math.Min(buffer.Length, _currentLength - _currentAt);
        _current.AsSpan(_currentAt, n).CopyTo(buffer);
        _currentAt += n;
        if (_currentAt == _currentLength)
        {
            lock (_lock)
            {
                _free.Push(_current!);
                Monitor.PulseAll(_lock);
            }
            _current = null;
        }
        return n;
    }

    /// <summary>Waits for the next chunk; false at the source's end; the source's failure once its bytes are read.</summary>
    private bool NextChunk()
    {
        lock (_lock)
        {
            while (_ready.Count == 0 && !_sourceEnded) Monitor.Wait(_lock);
            if (_ready.Count == 0)
            {
                _failure?.Throw();
                return false;
            }
            (_current, _currentLength) = _ready.Dequeue();
            _currentAt = 0;
            return true;
        }
    }

    protected override void Dispose(bool disposing)
    {
        lock (_lock)
        {
            _stopped = true;
            Monitor.PulseAll(_lock);
        }
        base.Dispose(disposing);
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
