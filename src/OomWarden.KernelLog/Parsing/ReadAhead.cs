using System.Runtime.ExceptionServices;

namespace OomWarden.KernelLog.Parsing;

/// <summary>
/// Reads a stream on a thread of its own, up to <see cref="Chunks"/> chunks ahead of <see cref="OomLogReader"/>,
/// which then reads each chunk where it was read: the buffers change hands, the bytes are not copied again. Each
/// chunk's bytes start at <see cref="HeadRoomBytes"/>, room for the reader to put the unfinished line of the chunk
/// before in front of them and go on in one buffer. On a dense log the <c>pread</c> is a tenth of the reading
/// thread's work (bench/analyze/README.md). Bounded: <see cref="Chunks"/> buffers. A read error is thrown by
/// <see cref="Take"/> in the place of the chunk it ended, after the chunks read before it. Not for a source that may
/// block for long (a terminal): <see cref="Dispose"/> waits for the read in progress.
/// </summary>
internal sealed class ReadAhead : IDisposable
{
    /// <summary>Room before each chunk's bytes for the reader's unfinished line, which is shorter than a line may be.</summary>
    public const int HeadRoomBytes = OomLogReader.MaxLineBytes;
    public const int Chunks = 4;

    public sealed class Chunk(int bytes)
    {
        /// <summary>The chunk's bytes are <c>Bytes[HeadRoomBytes .. HeadRoomBytes + Length]</c>.</summary>
        public readonly byte[] Bytes = new byte[HeadRoomBytes + bytes];
        public int Length;
        public ExceptionDispatchInfo? Error;
    }

    private readonly Stream _stream;
    private readonly int _chunkBytes;
    private readonly object _lock = new();
    private readonly Queue<Chunk> _ready = new();
    private readonly Stack<Chunk> _free = new();
    private readonly Thread _thread;
    private int _made;
    private bool _ended, _stop;

    public ReadAhead(Stream stream, int chunkBytes)
    {
        _stream = stream;
        _chunkBytes = chunkBytes;
        _thread = new Thread(Run) { IsBackground = true, Name = "analyze read" };
        _thread.Start();
    }

    /// <summary>The next chunk in input order, the reader's until it is <see cref="Return"/>ed; null at the end of the input. Throws the read's error in its place.</summary>
    public Chunk? Take()
    {
        Chunk c;
        lock (_lock)
        {
            while (_ready.Count == 0 && !_ended) Monitor.Wait(_lock);
            if (_ready.Count == 0) return null;
            c = _ready.Dequeue();
        }
        if (c.Error is { } e) e.Throw();
        return c;
    }

    /// <summary>A chunk the reader is done with: it is read into again.</summary>
    public void Return(Chunk c)
    {
        lock (_lock)
        {
            _free.Push(c);
            Monitor.PulseAll(_lock);
        }
    }

    private void Run()
    {
        while (true)
        {
            Chunk c;
            lock (_lock)
            {
                while (_free.Count == 0 && _made >= Chunks && !_stop) Monitor.Wait(_lock);
                if (_stop) return;
                if (_free.Count > 0) c = _free.Pop();
                else { c = new Chunk(_chunkBytes); _made++; }
            }
            bool last;
            try
            {
                c.Length = _stream.Read(c.Bytes, HeadRoomBytes, _chunkBytes);
                c.Error = null;
                last = c.Length <= 0;
            }
            catch (Exception e)
            {
                c.Length = 0;
                c.Error = ExceptionDispatchInfo.Capture(e);
                last = true;
            }
            lock (_lock)
            {
                if (c.Length > 0 || c.Error is not null) _ready.Enqueue(c);
                _ended = last;
                Monitor.PulseAll(_lock);
            }
            if (last) return;
        }
    }

    /// <summary>Stops the reading thread (after the read in progress) and waits for it.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            _stop = true;
            Monitor.PulseAll(_lock);
        }
        _thread.Join();
    }
}
