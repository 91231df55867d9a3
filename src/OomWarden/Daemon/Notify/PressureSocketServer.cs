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
public sealed class PressureSocketServer : ClientSocketServer, IEventSink, ICounterSource
{
    private static readonly byte[] Byte = [(byte)'!'];
    private OomEngine _engine;
    private readonly TimeProvider _time;
    private readonly TimeSpan _repeat;
    private long _written;

    private sealed class ClientState(Peer peer)
    {
        public Peer Peer { get; } = peer;
        public WarningLevel Threshold { get; set; } = WarningLevel.Medium;
        public long WrittenAt { get; set; } = long.MinValue;
    }

    private PressureSocketServer(Socket listener, string path, EventLoop loop, OomEngine engine, ProcessReader processes, TimeProvider time, TimeSpan repeat)
        : base(listener, path, loop, processes)
    {
        _engine = engine;
        _time = time;
        _repeat = repeat;
    }

    /// <summary>After a reload: the new engine (same state).</summary>
    public void Rebind(OomEngine engine) => _engine = engine;

    public static PressureSocketServer? TryStart(string path, EventLoop loop, OomEngine engine, ProcessReader processes, TimeProvider time, TimeSpan repeat, out string? error)
    {
        var socket = UnixListener.TryListen(path, out error);
        if (socket is null) return null;
        var server = new PressureSocketServer(socket, path, loop, engine, processes, time, repeat);
        return server.TryRegister(out error) ? server : null;
    }

    protected override Connection Open(Socket accepted, int pid, int uid, Peer peer) =>
        new(accepted, pid, uid, Loop, OnData, OnClosed, lines: false, Gate) { State = new ClientState(peer) };

    protected override void Welcome(Connection c) => Consider(c);

    public long Written
    {
        get { lock (Gate) return _written; }
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
        else DroppedCount++;
    }

    public void Publish(EngineEvent e)
    {
        if (e is not WarningChanged w || w.To == WarningLevel.None) return;
        lock (Gate)
        {
            foreach (var c in Clients.ToArray())
                if (((ClientState)c.State!).Peer.LivesIn(w.Domain)) Consider(c);
        }
    }

    public void Collect(List<CounterSample> into)
    {
        lock (Gate)
        {
            KeyValuePair<string, string>[] labels = [new("socket", "pressure")];
            CollectCommon(into, labels);
            into.Add(new CounterSample("oomwarden_pressure_wakeups_total", "Bytes written to pressure-protocol clients", _written, labels));
        }
    }

}
