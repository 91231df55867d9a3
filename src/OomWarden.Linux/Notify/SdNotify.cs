using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace OomWarden.Linux.Notify;

/// <summary>sd_notify(3) without libsystemd: datagrams such as "READY=1", "WATCHDOG=1", "STATUS=..." sent to the
/// AF_UNIX socket named by $NOTIFY_SOCKET (a path, or "@name" in the abstract namespace). The socket is connected
/// once; each message is one send of pre-encoded bytes ("WATCHDOG=1" allocates nothing). A send that fails returns
/// false: the service manager going away must never stop the daemon.</summary>
/// <remarks>For the loop (issue 12): READY=1 after the first tick, WATCHDOG=1 every <see cref="WatchdogInterval"/>/2
/// from the loop itself, STATUS= with the levels, RELOADING=1 / READY=1 around a reload, STOPPING=1 at stop; then the
/// unit can say Type=notify and WatchdogSec=.</remarks>
public sealed class SdNotify : IDisposable
{
    private static readonly byte[] ReadyMessage = "READY=1"u8.ToArray();
    private static readonly byte[] WatchdogMessage = "WATCHDOG=1"u8.ToArray();
    private static readonly byte[] ReloadingMessage = "RELOADING=1"u8.ToArray();
    private static readonly byte[] StoppingMessage = "STOPPING=1"u8.ToArray();
    private readonly Socket socket;

    private SdNotify(Socket socket, string address)
    {
        this.socket = socket;
        Address = address;
    }

    /// <summary>$NOTIFY_SOCKET as given ("/run/systemd/notify" or "@name").</summary>
    public string Address { get; }

    /// <summary>The notifier for $NOTIFY_SOCKET; null when it is unset (not started by systemd, or Type=simple) or
    /// cannot be connected (then <paramref name="error"/> says why).</summary>
    public static SdNotify? FromEnvironment(out string? error)
    {
        string? address = Environment.GetEnvironmentVariable("NOTIFY_SOCKET");
        if (string.IsNullOrEmpty(address))
        {
            error = null;
            return null;
        }
        return TryOpen(address, out error);
    }

    /// <summary>Connects a datagram socket to <paramref name="address"/> (a path, or "@name" for the abstract namespace).</summary>
    public static SdNotify? TryOpen(string address, out string? error)
    {
        error = null;
        if (address.Length < 2 || (address[0] != '/' && address[0] != '@'))
        {
            error = $"NOTIFY_SOCKET '{address}': neither an absolute path nor an abstract name (@...)";
            return null;
        }
        var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        try
        {
            string name = address[0] == '@' ? "\0" + address[1..] : address;
            socket.Connect(new UnixDomainSocketEndPoint(name));
            return new SdNotify(socket, address);
        }
        catch (SocketException e)
        {
            socket.Dispose();
            error = $"NOTIFY_SOCKET {address}: {e.Message}";
            return null;
        }
    }

    public bool Ready() => Send(ReadyMessage);

    public bool Watchdog() => Send(WatchdogMessage);

    public bool Reloading() => Send(ReloadingMessage);

    public bool Stopping() => Send(StoppingMessage);

    /// <summary>"STATUS=<paramref name="text"/>", shown by systemctl status; newlines become spaces.</summary>
    public bool Status(string text) => Send(Encoding.UTF8.GetBytes("STATUS=" + text.ReplaceLineEndings(" ")));

    /// <summary>One datagram of newline-separated assignments (e.g. "READY=1\nSTATUS=watching").</summary>
    public bool Send(ReadOnlySpan<byte> message)
    {
        try
        {
            return socket.Send(message, SocketFlags.None) == message.Length;
        }
        catch (SocketException)
        {
            return false;
        }
        catch (ObjectDisposedException)
        {
            return false;
        }
    }

    /// <summary>WatchdogSec= as systemd passes it: $WATCHDOG_USEC, for this process when $WATCHDOG_PID names it (or is
    /// unset). Null when no watchdog is asked for.</summary>
    public static TimeSpan? WatchdogInterval() =>
        TryParseWatchdog(Environment.GetEnvironmentVariable("WATCHDOG_USEC"), Environment.GetEnvironmentVariable("WATCHDOG_PID"), Environment.ProcessId, out var interval)
            ? interval : null;

    /// <summary>Parses $WATCHDOG_USEC / $WATCHDOG_PID; false when unset, malformed, 0, or meant for another pid.</summary>
    public static bool TryParseWatchdog(string? usec, string? pid, int selfPid, out TimeSpan interval)
    {
        interval = default;
        if (!ulong.TryParse(usec, NumberStyles.None, CultureInfo.InvariantCulture, out ulong us) || us == 0 || us > (ulong)TimeSpan.MaxValue.Ticks / 10) return false;
        if (!string.IsNullOrEmpty(pid) && (!int.TryParse(pid, NumberStyles.None, CultureInfo.InvariantCulture, out int p) || p != selfPid)) return false;
        interval = TimeSpan.FromMicroseconds(us);
        return true;
    }

    public void Dispose() => socket.Dispose();
}
