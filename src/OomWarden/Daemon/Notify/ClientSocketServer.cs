using System.Net.Sockets;
using OomWarden.Core.Engine;
using OomWarden.Linux.Loop;
using OomWarden.Linux.Notify;
using OomWarden.Linux.Processes;

namespace OomWarden.Daemon.Notify;

/// <summary>What the notify sockets share (<see cref="EventSocketServer"/>, <see cref="PressureSocketServer"/>): an
/// AF_UNIX listener on the loop, at most <see cref="MaxClients"/> clients, each known by SO_PEERCRED (pid → its
/// process and cgroup; an unknown peer is refused), and the counters of accepted, refused and dropped. A subclass
/// says how a client's connection reads (<see cref="Open"/>) and what it gets at once (<see cref="Welcome"/>).
/// Everything is under <see cref="Gate"/>: the loop's thread and a connection's sends share it.</summary>
public abstract class ClientSocketServer : IReadyHandler, IDisposable
{
    public const int MaxClients = 256;
    private readonly Socket _listener;
    protected ProcessReader Processes { get; }
    private ulong _token;

    protected ClientSocketServer(Socket listener, string path, EventLoop loop, ProcessReader processes)
    {
        _listener = listener;
        Path = path;
        Loop = loop;
        Processes = processes;
    }

    public string Path { get; }

    protected EventLoop Loop { get; }

    protected object Gate { get; } = new();

    protected List<Connection> Clients { get; } = [];

    /// <summary>Messages not sent because a client did not read (its queue was full).</summary>
    protected long DroppedCount { get; set; }

    private long _refused, _accepted;

    public int ClientCount
    {
        get { lock (Gate) return Clients.Count; }
    }

    public long Dropped
    {
        get { lock (Gate) return DroppedCount; }
    }

    /// <summary>Registers the listener on the loop; false (the server disposed) with the reason when it cannot.</summary>
    protected bool TryRegister(out string? error)
    {
        if (Loop.TryRegister((int)_listener.Handle, 0x001, this, out _token, out int errno))
        {
            error = null;
            return true;
        }
        error = $"{Path}: epoll: errno {errno}";
        Dispose();
        return false;
    }

    /// <summary>The connection for an accepted client (not yet registered), its state set.</summary>
    protected abstract Connection Open(Socket accepted, int pid, int uid, Peer peer);

    /// <summary>Right after a client is registered (under <see cref="Gate"/>): what it is told at once.</summary>
    protected abstract void Welcome(Connection c);

    /// <summary>The listener is readable: accept one connection (level-triggered: the loop comes back for the next).</summary>
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
        lock (Gate)
        {
            _accepted++;
            Peer? peer = null;
            if (Clients.Count >= MaxClients || !UnixListener.TryPeerCredentials(accepted, out int pid, out int uid)
                || (peer = Peer.TryResolve(pid, uid, Processes)) is null)
            {
                _refused++;
                accepted.Dispose();
                return;
            }
            var c = Open(accepted, pid, uid, peer);
            if (!c.Register(out _))
            {
                _refused++;
                accepted.Dispose();
                return;
            }
            Clients.Add(c);
            Welcome(c);
        }
    }

    protected void OnClosed(Connection c) => Clients.Remove(c);

    /// <summary>The four samples every notify socket has, labelled with its name (call under <see cref="Gate"/>).</summary>
    protected void CollectCommon(List<CounterSample> into, KeyValuePair<string, string>[] labels)
    {
        into.Add(new CounterSample("oomwarden_notify_clients", "Clients connected to the socket", Clients.Count, labels));
        into.Add(new CounterSample("oomwarden_notify_accepted_total", "Connections accepted", _accepted, labels));
        into.Add(new CounterSample("oomwarden_notify_refused_total", "Connections refused (too many clients, peer unknown)", _refused, labels));
        into.Add(new CounterSample("oomwarden_notify_dropped_total", "Messages dropped because a client did not read", DroppedCount, labels));
    }

    public void Dispose()
    {
        lock (Gate)
        {
            foreach (var c in Clients.ToArray()) c.Close();
            if (_token != 0) Loop.Unregister((int)_listener.Handle, _token);
            _listener.Dispose();
            try { File.Delete(Path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }
}
