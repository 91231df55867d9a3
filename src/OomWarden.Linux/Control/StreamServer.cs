using OomWarden.Linux.Interop;
using OomWarden.Linux.Interop.Process;
using OomWarden.Linux.Interop.Sockets;
using OomWarden.Linux.Loop;

namespace OomWarden.Linux.Control;

/// <summary>What a <see cref="StreamServer"/> speaks: framing and answers. Called on the loop's thread; must not block.</summary>
public interface IStreamProtocol
{
    /// <summary>Takes what <paramref name="connection"/> has received and not yet consumed; returns how many bytes it
    /// consumed (0: a request is not complete yet). It answers with <see cref="StreamConnection.Send"/>, or marks the
    /// connection busy and answers later.</summary>
    int OnData(StreamConnection connection, ReadOnlySpan<byte> received);

    /// <summary>The client sent more than the request limit without completing a request: say so (or not); the
    /// connection is closed after the answer is flushed.</summary>
    void OnOverflow(StreamConnection connection);
}

/// <summary>A listening stream socket on the epoll loop: accepts without waiting, reads and writes without waiting
/// (edge-triggered, every descriptor non-blocking), bounds each client's request size and the number of clients (a
/// new client beyond the limit evicts the oldest), so a slow or hostile client costs a buffer, never a wait.</summary>
public sealed class StreamServer : IReadyHandler, IDisposable
{
    private const uint EpollOut = 0x004, EpollRdHup = 0x2000;
    private readonly EventLoop _loop;
    private readonly int _fd;
    private readonly ulong _token;
    private readonly IStreamProtocol _protocol;
    private readonly List<StreamConnection> _connections = [];

    private StreamServer(EventLoop loop, int fd, ulong token, IStreamProtocol protocol, int maxRequestBytes, int maxConnections)
    {
        _loop = loop;
        _fd = fd;
        _token = token;
        _protocol = protocol;
        MaxRequestBytes = maxRequestBytes;
        MaxConnections = maxConnections;
    }

    public int MaxRequestBytes { get; }

    public int MaxConnections { get; }

    public int Connections => _connections.Count;

    /// <summary>Clients refused or evicted because <see cref="MaxConnections"/> were open.</summary>
    public long Evicted { get; private set; }

    /// <summary>Serves <paramref name="listenFd"/> (taken over: closed by <see cref="Dispose"/>); null with errno when
    /// epoll refuses it.</summary>
    public static StreamServer? TryStart(EventLoop loop, int listenFd, IStreamProtocol protocol, int maxRequestBytes, int maxConnections, out int errno)
    {
        var holder = new Holder();
        if (!loop.TryRegister(listenFd, Epoll.EpollIn, holder, out ulong token, out errno))
        {
            SocketInterop.Close(listenFd);
            return null;
        }
        var server = new StreamServer(loop, listenFd, token, protocol, maxRequestBytes, maxConnections);
        holder.Server = server;
        return server;
    }

    private sealed class Holder : IReadyHandler
    {
        public StreamServer? Server;

        public void OnReady(uint events) => Server?.OnReady(events);
    }

    public void OnReady(uint events)
    {
        // Level-triggered listener: take every pending client now.
        while (SocketInterop.TryAccept(_fd, out int client, out int errno))
        {
            if (_connections.Count >= MaxConnections)
            {
                Evicted++;
                _connections[0].Close();
            }
            var c = new StreamConnection(this, client);
            if (!_loop.TryRegister(client, Epoll.EpollIn | EpollOut | EpollRdHup | Epoll.EpollEt, c, out ulong token, out _))
            {
                SocketInterop.Close(client);
                continue;
            }
            c.Token = token;
            _connections.Add(c);
            c.OnReady(Epoll.EpollIn);
            if (errno != 0) break;
        }
    }

    internal IStreamProtocol Protocol => _protocol;

    internal void Closed(StreamConnection c)
    {
        _loop.Unregister(c.Fd, c.Token);
        _connections.Remove(c);
    }

    public void Dispose()
    {
        foreach (var c in _connections.ToArray()) c.Close();
        _loop.Unregister(_fd, _token);
        SocketInterop.Close(_fd);
    }
}

/// <summary>One client of a <see cref="StreamServer"/>: its received bytes (bounded), its pending answer.</summary>
public sealed class StreamConnection : IReadyHandler
{
    private readonly StreamServer _server;
    private byte[] _input = new byte[512];
    private int _inputLength;
    private readonly Queue<byte[]> _output = new();
    private int _outputOffset;
    private bool _eof, _closed, _closeAfterSend, _overflowed;

    internal StreamConnection(StreamServer server, int fd)
    {
        _server = server;
        Fd = fd;
        HasPeer = SocketInterop.TryGetPeer(fd, out var peer);
        Peer = peer;
    }

    public int Fd { get; }

    internal ulong Token { get; set; }

    /// <summary>SO_PEERCRED (AF_UNIX only; false on TCP).</summary>
    public bool HasPeer { get; }

    public PeerCredentials Peer { get; }

    /// <summary>Set while an answer is being prepared off the loop (a reload's validation): further requests wait.</summary>
    public bool Busy { get; set; }

    public bool IsClosed => _closed;

    public void OnReady(uint events)
    {
        if (_closed) return;
        Receive();
        Process();
        Flush();
        CloseIfDone();
    }

    /// <summary>Queues <paramref name="data"/> and writes what the socket takes now.</summary>
    public void Send(byte[] data)
    {
        if (_closed) return;
        _output.Enqueue(data);
        Flush();
        CloseIfDone();
    }

    /// <summary>Closes once everything queued is written.</summary>
    public void CloseAfterSend()
    {
        _closeAfterSend = true;
        CloseIfDone();
    }

    /// <summary>After an answer prepared off the loop: clears <see cref="Busy"/> and serves what arrived meanwhile.</summary>
    public void Resume()
    {
        Busy = false;
        if (_closed) return;
        Process();
        Flush();
        CloseIfDone();
    }

    private void Receive()
    {
        Span<byte> discard = stackalloc byte[512];
        int discarded = 0;
        while (!_eof && discarded < 65536)
        {
            if (!_overflowed && _inputLength == _input.Length)
            {
                if (_input.Length < _server.MaxRequestBytes) Array.Resize(ref _input, Math.Min(_input.Length * 2, _server.MaxRequestBytes));
                else
                {
                    Process(); // complete requests first: only what is left of one is too long
                    if (_inputLength == _input.Length) _overflowed = true;
                }
            }
            if (_overflowed) discarded += discard.Length;
            // Past the limit the rest is read and dropped: closing with unread data would reset the client before it
            // reads the answer.
            int n = SocketInterop.Receive(Fd, _overflowed ? discard : _input.AsSpan(_inputLength), out int errno);
            if (n > 0) { if (!_overflowed) _inputLength += n; }
            else if (n == 0) _eof = true;
            else if (errno == Errno.EINTR) continue;
            else if (errno == Errno.EAGAIN) break;
            else _eof = true;
        }
    }

    private void Process()
    {
        while (!Busy && !_closed && !_closeAfterSend && _inputLength > 0)
        {
            int consumed = _server.Protocol.OnData(this, _input.AsSpan(0, _inputLength));
            if (consumed <= 0) break;
            Buffer.BlockCopy(_input, consumed, _input, 0, _inputLength - consumed);
            _inputLength -= consumed;
        }
        if (_overflowed && _inputLength > 0 && !Busy && !_closeAfterSend && !_closed)
        {
            _server.Protocol.OnOverflow(this);
            _inputLength = 0;
            _closeAfterSend = true;
        }
    }

    private void Flush()
    {
        while (!_closed && _output.TryPeek(out var head))
        {
            int n = SocketInterop.Send(Fd, head.AsSpan(_outputOffset), out int errno);
            if (n < 0)
            {
                if (errno == Errno.EINTR) continue;
                if (errno != Errno.EAGAIN) Close(); // EPIPE, ECONNRESET: the client is gone
                return;
            }
            _outputOffset += n;
            if (_outputOffset < head.Length) return; // the socket is full: EPOLLOUT (edge) wakes us when it drains
            _output.Dequeue();
            _outputOffset = 0;
        }
    }

    private void CloseIfDone()
    {
        if (_closed || _output.Count > 0 || Busy) return;
        if (_closeAfterSend || _eof) Close();
    }

    public void Close()
    {
        if (_closed) return;
        _closed = true;
        _server.Closed(this);
        SocketInterop.Close(Fd);
    }
}
