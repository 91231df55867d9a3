using System.Net.Sockets;
using OomWarden.Linux.Loop;

namespace OomWarden.Daemon.Notify;

/// <summary>One accepted client: non-blocking sends through a bounded queue (a message that does not fit is dropped
/// whole and counted, never half-sent), and incoming bytes split into lines. Registered edge-triggered for input and
/// output, so a client that reads again gets the rest of its queue without the loop polling anyone.</summary>
public sealed class Connection : IReadyHandler, IDisposable
{
    public const int QueueLimitBytes = 64 * 1024;
    public const int LineLimitBytes = 4096;
    private const uint EpollIn = 0x001, EpollOut = 0x004, EpollErr = 0x008, EpollHup = 0x010, EpollRdHup = 0x2000, EpollEt = 1u << 31;

    private readonly EventLoop _loop;
    private readonly Action<Connection, ReadOnlyMemory<byte>> _onLine;
    private readonly Action<Connection> _onClosed;
    private readonly byte[] _out = new byte[QueueLimitBytes];
    private int _outStart, _outEnd;
    private readonly byte[] _in = new byte[LineLimitBytes];
    private int _inLength;
    private ulong _token;

    private readonly bool _lines;
    private readonly object _gate;

    /// <param name="lines">Hand incoming data over line by line (own protocol); false: every chunk as it comes
    /// (the pressure protocol's write data has no line end).</param>
    /// <param name="gate">The server's lock: events may be sent from the kernel-log thread too.</param>
    public Connection(Socket socket, int pid, int uid, EventLoop loop, Action<Connection, ReadOnlyMemory<byte>> onLine, Action<Connection> onClosed,
        bool lines, object gate)
    {
        _lines = lines;
        _gate = gate;
        Socket = socket;
        Pid = pid;
        Uid = uid;
        _loop = loop;
        _onLine = onLine;
        _onClosed = onClosed;
        socket.Blocking = false;
    }

    public Socket Socket { get; }

    public int Pid { get; }

    public int Uid { get; }

    public bool Closed { get; private set; }

    /// <summary>Messages dropped because the client did not read.</summary>
    public long Dropped { get; private set; }

    /// <summary>What the protocol keeps about the client.</summary>
    public object? State { get; set; }

    public bool Register(out int errno)
        => _loop.TryRegister((int)Socket.Handle, EpollIn | EpollOut | EpollRdHup | EpollEt, this, out _token, out errno);

    /// <summary>Queues <paramref name="message"/> and sends what the socket takes now. False when dropped.</summary>
    public bool Send(ReadOnlySpan<byte> message)
    {
        lock (_gate) return SendLocked(message);
    }

    private bool SendLocked(ReadOnlySpan<byte> message)
    {
        if (Closed) return false;
        if (_outEnd - _outStart + message.Length > _out.Length)
        {
            Dropped++;
            return false;
        }
        if (_out.Length - _outEnd < message.Length)
        {
            Buffer.BlockCopy(_out, _outStart, _out, 0, _outEnd - _outStart);
            _outEnd -= _outStart;
            _outStart = 0;
        }
        message.CopyTo(_out.AsSpan(_outEnd));
        _outEnd += message.Length;
        Flush();
        return true;
    }

    public int QueuedBytes => _outEnd - _outStart;

    private void Flush()
    {
        while (_outStart < _outEnd && !Closed)
        {
            int n = Socket.Send(_out.AsSpan(_outStart, _outEnd - _outStart), SocketFlags.None, out var error);
            if (error == SocketError.WouldBlock) return;
            if (error != SocketError.Success || n <= 0)
            {
                Close();
                return;
            }
            _outStart += n;
        }
        if (_outStart == _outEnd) _outStart = _outEnd = 0;
    }

    public void OnReady(uint events)
    {
        lock (_gate) OnReadyLocked(events);
    }

    private void OnReadyLocked(uint events)
    {
        if (Closed) return;
        if ((events & EpollIn) != 0) ReadAvailable();
        if (Closed) return;
        if ((events & (EpollErr | EpollHup)) != 0)
        {
            Close();
            return;
        }
        if ((events & EpollOut) != 0) Flush();
    }

    private void ReadAvailable()
    {
        while (!Closed)
        {
            if (_inLength == _in.Length)
            {
                Close();  // a line longer than the limit: not a client of ours
                return;
            }
            int n = Socket.Receive(_in.AsSpan(_inLength), SocketFlags.None, out var error);
            if (error == SocketError.WouldBlock) return;
            if (error != SocketError.Success || n == 0)
            {
                if (_inLength > 0) _onLine(this, _in.AsMemory(0, _inLength));
                _inLength = 0;
                Close();
                return;
            }
            if (!_lines)
            {
                _onLine(this, _in.AsMemory(0, _inLength + n));
                _inLength = 0;
                continue;
            }
            int start = 0;
            int scanFrom = _inLength;
            _inLength += n;
            for (int i = scanFrom; i < _inLength; i++)
            {
                if (_in[i] != (byte)'\n') continue;
                _onLine(this, _in.AsMemory(start, i - start));
                if (Closed) return;
                start = i + 1;
            }
            if (start > 0)
            {
                Buffer.BlockCopy(_in, start, _in, 0, _inLength - start);
                _inLength -= start;
            }
        }
    }

    public void Close()
    {
        if (Closed) return;
        Closed = true;
        _loop.Unregister((int)Socket.Handle, _token);
        Socket.Dispose();
        _onClosed(this);
    }

    public void Dispose() => Close();
}
