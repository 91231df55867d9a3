using System.Net.Sockets;
using OomWarden.Core.Engine;
using OomWarden.Linux.Loop;
using OomWarden.Linux.Notify;
using OomWarden.Linux.Processes;

namespace OomWarden.Daemon.Notify;

/// <summary>systemd's memory pressure protocol ([notify] pressure_socket) for <c>$MEMORY_PRESSURE_WATCH</c> naming an
/// AF_UNIX socket: the client connects and writes its <c>$MEMORY_PRESSURE_WRITE</c> data; here that is optionally
/// <c>low</c>, <c>medium</c> or <c>critical</c> (anything else, such as a PSI trigger line, or nothing means
/// <c>medium</c>). Whenever a domain the client's process lives in is at or above that level, one byte is written,
/// at most once per <c>repeat</c>; at once when already there on connect. The client reads and discards it
/// (sd-event does) and frees what it can.</summary>
public sealed class PressureSocketServer : IReadyHandler, IEventSink, ICounterSource, IDisposable
{
    public const int MaxClients = 256;
    private static readonly byte[] Byte = [(byte)'!'];
    private readonly object _gate = new();
    private readonly Socket _listener;
    private readonly EventLoop _loop;
    private OomEngine _engine;
    private readonly ProcessReader _processes;
    private readonly TimeProvider _time;
    private readonly TimeSpan _repeat;
    private readonly List<Connection> _clients = [];
    private ulong _token;
    private long _dropped, _refused, _accepted, _written;

    private sealed class ClientState(Peer peer)
    {
        public Peer Peer { get; } = peer;
        public WarningLevel Threshold { get; set; } = WarningLevel.Medium;
        public long WrittenAt { get; set; } = long.MinValue;
    }

    private PressureSocketServer(Socket listener, string path, EventLoop loop, OomEngine engine, ProcessReader processes, TimeProvider time, TimeSpan repeat)
    {
        _listener = listener;
        Path = path;
        _loop = loop;
        _engine = engine;
        _processes = processes;
        _time = time;
        _repeat = repeat;
    }

    public string Path { get; }

    /// <summary>After a reload: the new engine (same state).</summary>
    public void Rebind(OomEngine engine) => _engine = engine;

    public static PressureSocketServer? TryStart(string path, EventLoop loop, OomEngine engine, ProcessReader processes, TimeProvider time, TimeSpan repeat, out string? error)
    {
        var socket = UnixListener.TryListen(path, out error);
        if (socket is null) return null;
        var server = new PressureSocketServer(socket, path, loop, engine, processes, time, repeat);
        if (!loop.TryRegister((int)socket.Handle, 0x001, server, out server._token, out int errno))
        {
            error = $"{path}: epoll: errno {errno}";
            server.Dispose();
            return null;
        }
        return server;
    }

    public int ClientCount
    {
        get { lock (_gate) return _clients.Count; }
    }

    public long Written
    {
        get { lock (_gate) return _written; }
    }

    public void OnReady(uint events)
    {
        Socket accepted;
        try
        {
            accepted = _listener.Accept();
        }
        catch (SocketException)
        {
            return;
        }
        lock (_gate)
        {
            _accepted++;
            Peer? peer = null;
            if (_clients.Count >= MaxClients || !UnixListener.TryPeerCredentials(accepted, out int pid, out int uid)
                || (peer = Peer.TryResolve(pid, uid, _processes)) is null)
            {
                _refused++;
                accepted.Dispose();
                return;
            }
            var c = new Connection(accepted, pid, uid, _loop, OnData, OnClosed, lines: false, _gate) { State = new ClientState(peer) };
            if (!c.Register(out _))
            {
                _refused++;
                accepted.Dispose();
                return;
            }
            _clients.Add(c);
            Consider(c);
        }
    }

    /// <summary>The client's MEMORY_PRESSURE_WRITE data: the level it wants to hear about.</summary>
    private void OnData(Connection c, ReadOnlyMemory<byte> data)
    {
        var text = data.Span.Trim("\0\r\n\t "u8);
        var s = (ClientState)c.State!;
        var level = text.SequenceEqual("low"u8) ? WarningLevel.Low
            : text.SequenceEqual("critical"u8) ? WarningLevel.Critical
            : WarningLevel.Medium;
        if (level == s.Threshold) return;
        s.Threshold = level;
        Consider(c);
    }

    private void OnClosed(Connection c) => _clients.Remove(c);

    /// <summary>Writes the byte when one of the client's domains is at or above its level and the last byte is older
    /// than <c>repeat</c>.</summary>
    private void Consider(Connection c)
    {
        var s = (ClientState)c.State!;
        long now = _time.GetTimestamp();
        if (s.WrittenAt != long.MinValue && _time.GetElapsedTime(s.WrittenAt, now) < _repeat) return;
        var worst = WarningLevel.None;
        foreach (var d in _engine.Domains)
        {
            if (!s.Peer.LivesIn(d)) continue;
            var l = _engine.WarningOf(d.Name);
            if (l > worst) worst = l;
        }
        if (worst < s.Threshold) return;
        s.WrittenAt = now;
        if (c.Send(Byte)) _written++;
        else _dropped++;
    }

    public void Publish(EngineEvent e)
    {
        if (e is not WarningChanged w || w.To == WarningLevel.None) return;
        lock (_gate)
        {
            foreach (var c in _clients.ToArray())
                if (((ClientState)c.State!).Peer.LivesIn(w.Domain)) Consider(c);
        }
    }

    public void Collect(List<CounterSample> into)
    {
        lock (_gate)
        {
            KeyValuePair<string, string>[] labels = [new("socket", "pressure")];
            into.Add(new CounterSample("oomwarden_notify_clients", "Clients connected to the socket", _clients.Count, labels));
            into.Add(new CounterSample("oomwarden_notify_accepted_total", "Connections accepted", _accepted, labels));
            into.Add(new CounterSample("oomwarden_notify_refused_total", "Connections refused (too many clients, peer unknown)", _refused, labels));
            into.Add(new CounterSample("oomwarden_notify_dropped_total", "Messages dropped because a client did not read", _dropped, labels));
            into.Add(new CounterSample("oomwarden_pressure_wakeups_total", "Bytes written to pressure-protocol clients", _written, labels));
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            foreach (var c in _clients.ToArray()) c.Close();
            _loop.Unregister((int)_listener.Handle, _token);
            _listener.Dispose();
            try { File.Delete(Path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }
}
