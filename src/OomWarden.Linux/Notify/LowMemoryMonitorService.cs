using Tmds.DBus.Protocol;

namespace OomWarden.Linux.Notify;

/// <summary>A drop-in for Debian's low-memory-monitor: owns <c>org.freedesktop.LowMemoryMonitor</c> at
/// <c>/org/freedesktop/LowMemoryMonitor</c> on the system bus and emits <c>LowMemoryWarning(y)</c>, the signal GLib's
/// <c>GMemoryMonitor</c> (D-Bus backend) turns into <c>low-memory-warning</c>. Everything runs on one background
/// thread: <see cref="TryPost"/> only queues (bounded, drops counted). No bus at start, a bus that goes away, a name
/// owned by someone else: logged once per state change, retried with backoff (1 s doubling to 30 s); never thrown.</summary>
public sealed class LowMemoryMonitorService : IDisposable
{
    public const string BusName = "org.freedesktop.LowMemoryMonitor";
    public const string ObjectPath = "/org/freedesktop/LowMemoryMonitor";
    public const string Interface = "org.freedesktop.LowMemoryMonitor";
    public const string DefaultSystemBus = "unix:path=/run/dbus/system_bus_socket";

    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan MinBackoff = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);
    private const int Capacity = 64;

    private readonly string _address;
    private readonly Action<string> _log;
    private readonly Queue<byte> _queue = new();
    private readonly Thread _thread;
    private readonly ManualResetEventSlim _stop = new();
    private readonly SemaphoreSlim _ready = new(0);
    private DBusConnection? _connection;
    private string? _lastState;
    private long _sent, _dropped, _errors, _connects;

    public LowMemoryMonitorService(string address, Action<string> log)
    {
        _address = address;
        _log = log;
        _thread = new Thread(Run) { IsBackground = true, Name = "oomwarden-lowmemorymonitor" };
        _thread.Start();
    }

    /// <summary>$DBUS_SYSTEM_BUS_ADDRESS when set, else the system bus socket of dbus(7).</summary>
    public static string SystemBusAddress() =>
        Environment.GetEnvironmentVariable("DBUS_SYSTEM_BUS_ADDRESS") is { Length: > 0 } a ? a : DefaultSystemBus;

    /// <summary>Signals sent.</summary>
    public long Sent => Interlocked.Read(ref _sent);

    /// <summary>Warnings dropped: the queue was full, or no bus connection when it was their turn.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Failed connects, name requests and sends.</summary>
    public long Errors => Interlocked.Read(ref _errors);

    /// <summary>Times the name was acquired (1 after start, more after reconnects).</summary>
    public long Connects => Interlocked.Read(ref _connects);

    /// <summary>True while connected and owning the name.</summary>
    public bool Owning => Volatile.Read(ref _connection) is not null;

    /// <summary>The GLib level for a warning level: 50 low, 100 medium, 255 critical; 0 for none (not emitted).</summary>
    public static byte GLibLevel(Core.Engine.WarningLevel level) => level switch
    {
        Core.Engine.WarningLevel.Low => 50,
        Core.Engine.WarningLevel.Medium => 100,
        Core.Engine.WarningLevel.Critical => 255,
        _ => 0,
    };

    /// <summary>Queues one <c>LowMemoryWarning</c>; never blocks. False (counted) when the queue is full.</summary>
    public bool TryPost(byte level)
    {
        lock (_queue)
        {
            if (_queue.Count >= Capacity)
            {
                _dropped++;
                return false;
            }
            _queue.Enqueue(level);
        }
        _ready.Release();
        return true;
    }

    private void Run()
    {
        var backoff = MinBackoff;
        while (!_stop.IsSet)
        {
            var connection = Volatile.Read(ref _connection);
            if (connection is null)
            {
                if (TryConnect(out connection))
                {
                    Volatile.Write(ref _connection, connection);
                    _ = WakeOnDisconnect(connection);
                    backoff = MinBackoff;
                    DropQueued(); // warnings of the time without a bus are stale: GLib clients hear the next change
                }
                else
                {
                    _stop.Wait(backoff);
                    backoff = backoff * 2 > MaxBackoff ? MaxBackoff : backoff * 2;
                    continue;
                }
            }
            // Sleep until a warning, a lost connection (WakeOnDisconnect) or stop: no idle wake-ups.
            _ready.Wait();
            byte level;
            lock (_queue)
            {
                if (_queue.Count == 0)
                {
                    CheckConnected(connection);
                    continue;
                }
                level = _queue.Dequeue();
            }
            if (!TrySend(connection, level))
            {
                Interlocked.Increment(ref _dropped);
                CheckConnected(connection);
            }
        }
        Volatile.Read(ref _connection)?.Dispose();
    }

    private void DropQueued()
    {
        lock (_queue)
        {
            _dropped += _queue.Count;
            _queue.Clear();
        }
    }

    private bool TryConnect(out DBusConnection connection)
    {
        connection = new DBusConnection(new DBusConnectionOptions(_address) { AutoConnect = false });
        try
        {
            connection.ConnectAsync().AsTask().WaitAsync(CallTimeout).GetAwaiter().GetResult();
            connection.AddMethodHandler(new Handler());
            bool owned = connection.TryRequestNameAsync(BusName, RequestNameOptions.None).WaitAsync(CallTimeout).GetAwaiter().GetResult();
            if (!owned)
            {
                connection.Dispose();
                Interlocked.Increment(ref _errors);
                State($"low_memory_monitor: {BusName} is owned by another process on {_address} (low-memory-monitor running?); retrying");
                return false;
            }
            Interlocked.Increment(ref _connects);
            State($"low_memory_monitor: owning {BusName} on {_address}");
            return true;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            connection.Dispose();
            Interlocked.Increment(ref _errors);
            State($"low_memory_monitor: no system bus at {_address} ({Describe(e)}); retrying");
            return false;
        }
    }

    private async Task WakeOnDisconnect(DBusConnection connection)
    {
        try
        {
            await connection.DisconnectedAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // disposed at stop
        }
        _ready.Release();
    }

    private void CheckConnected(DBusConnection connection)
    {
        var disconnected = connection.DisconnectedAsync();
        if (!disconnected.IsCompleted) return;
        connection.Dispose();
        Volatile.Write(ref _connection, null);
        Interlocked.Increment(ref _errors);
        State($"low_memory_monitor: lost the system bus at {_address}; reconnecting");
    }

    private bool TrySend(DBusConnection connection, byte level)
    {
        try
        {
            using var writer = connection.GetMessageWriter();
            writer.WriteSignalHeader(null, ObjectPath, Interface, "LowMemoryWarning", "y");
            writer.WriteByte(level);
            if (!connection.TrySendMessage(writer.CreateMessage()))
            {
                Interlocked.Increment(ref _errors);
                return false;
            }
            Interlocked.Increment(ref _sent);
            return true;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Interlocked.Increment(ref _errors);
            State($"low_memory_monitor: sending LowMemoryWarning failed ({Describe(e)})");
            return false;
        }
    }

    /// <summary>Logs a state once: the same failure every backoff step is not repeated.</summary>
    private void State(string line)
    {
        if (line == _lastState) return;
        _lastState = line;
        _log(line);
    }

    private static string Describe(Exception e) => e is TimeoutException ? "timed out" : e.GetType().Name + ": " + e.Message;

    public void Dispose()
    {
        _stop.Set();
        _ready.Release();
        _thread.Join(TimeSpan.FromSeconds(2));
    }

    /// <summary>Answers Introspect and Peer.Ping on the object path; the signal is its only member.</summary>
    private sealed class Handler : IPathMethodHandler
    {
        private static readonly ReadOnlyMemory<byte> InterfaceXml = """
              <interface name="org.freedesktop.LowMemoryMonitor">
                <signal name="LowMemoryWarning">
                  <arg name="state" type="y"/>
                </signal>
              </interface>

            """u8.ToArray();

        public string Path => ObjectPath;

        public bool HandlesChildPaths => false;

        public ValueTask HandleMethodAsync(MethodContext context)
        {
            var request = context.Request;
            if (context.IsDBusIntrospectRequest)
            {
                context.ReplyIntrospectXml([InterfaceXml, IntrospectionXml.DBusProperties, IntrospectionXml.DBusPeer, IntrospectionXml.DBusIntrospectable], Array.Empty<string>());
            }
            else if (request.InterfaceAsString == "org.freedesktop.DBus.Peer" && request.MemberAsString == "Ping")
            {
                using var writer = context.CreateReplyWriter(null!);
                context.Reply(writer.CreateMessage());
            }
            else if (request.InterfaceAsString == "org.freedesktop.DBus.Properties" && request.MemberAsString == "GetAll")
            {
                // GLib's proxy loads properties at creation: the interface has none.
                using var writer = context.CreateReplyWriter("a{sv}");
                var dict = writer.WriteDictionaryStart();
                writer.WriteDictionaryEnd(dict);
                context.Reply(writer.CreateMessage());
            }
            else if (request.InterfaceAsString == "org.freedesktop.DBus.Peer" && request.MemberAsString == "GetMachineId")
            {
                using var writer = context.CreateReplyWriter("s");
                writer.WriteString(MachineId());
                context.Reply(writer.CreateMessage());
            }
            else
            {
                context.ReplyUnknownMethodError();
            }
            return ValueTask.CompletedTask;
        }

        private static string MachineId()
        {
            foreach (var path in (string[])["/etc/machine-id", "/var/lib/dbus/machine-id"])
            {
                try
                {
                    string id = File.ReadAllText(path).Trim();
                    if (id.Length == 32) return id;
                }
                catch (IOException) { }
                catch (UnauthorizedAccessException) { }
            }
            return new string('0', 32);
        }
    }
}
