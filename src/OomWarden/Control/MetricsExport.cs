using System.Text;
using OomWarden.Core.Settings;
using OomWarden.Linux.Control;
using OomWarden.Linux.Interop;
using OomWarden.Linux.Interop.Process;
using OomWarden.Linux.Interop.Sockets;
using OomWarden.Linux.IO;
using OomWarden.Linux.Loop;

namespace OomWarden.Control;

/// <summary>[metrics] textfile: the exposition written atomically (<see cref="AtomicFile"/>) every <c>interval</c>,
/// woken by a timerfd on the loop (off the per-tick path: the tick never writes it). A failed write is logged once
/// per episode. The path and the interval follow a reload.</summary>
public sealed class MetricsTextfile : IReadyHandler, IDisposable
{
    private readonly ControlService _service;
    private readonly Action<string> _log;
    private readonly int _fd;
    private ulong _token;
    private TimeSpan _interval;
    private bool _failing;

    private MetricsTextfile(ControlService service, Action<string> log, int fd, ulong token, TimeSpan interval)
    {
        _service = service;
        _log = log;
        _fd = fd;
        _token = token;
        _interval = interval;
    }

    public long Writes { get; private set; }

    public static MetricsTextfile? TryStart(ControlService service, Action<string> log, out string? error)
    {
        error = null;
        if (service.Runtime.Runner.Settings.Metrics.Textfile is null) return null;
        var interval = service.Runtime.Runner.Settings.Metrics.Interval;
        if (!TimerFd.TryCreate(TimeSpan.FromMilliseconds(1), interval, out int fd, out int errno))
        {
            error = "metrics textfile: timerfd: " + Errno.Describe(errno);
            return null;
        }
        var t = new MetricsTextfile(service, log, fd, 0, interval);
        if (!service.Runtime.Loop.TryRegister(fd, Epoll.EpollIn, t, out ulong token, out errno))
        {
            TimerFd.Close(fd);
            error = "metrics textfile: epoll: " + Errno.Describe(errno);
            return null;
        }
        t._token = token;
        return t;
    }

    public void OnReady(uint events)
    {
        TimerFd.Drain(_fd);
        var m = _service.Runtime.Runner.Settings.Metrics;
        if (m.Interval != _interval)
        {
            _interval = m.Interval;
            TimerFd.TrySet(_fd, _interval, _interval, out _);
        }
        if (m.Textfile is not { } path) return;
        if (AtomicFile.TryReplace(path, Encoding.UTF8.GetBytes(MetricsText.Render(_service)), out string? error))
        {
            Writes++;
            if (_failing) _log($"metrics: {path} written again");
            _failing = false;
        }
        else if (!_failing)
        {
            _failing = true;
            _log("metrics: warning: " + error);
        }
    }

    public void Dispose()
    {
        _service.Runtime.Loop.Unregister(_fd, _token);
        TimerFd.Close(_fd);
    }
}

/// <summary>[metrics] listen: HTTP/1.x GET /metrics on the loop (a <see cref="StreamServer"/>: non-blocking, 8 KiB per
/// request, 16 clients, one request per connection). Loopback unless <c>allow_remote = true</c> (checked at load).</summary>
public sealed class MetricsHttp : IStreamProtocol, IDisposable
{
    private const int MaxRequestBytes = 8192;
    private readonly ControlService _service;
    private StreamServer? _server;

    private MetricsHttp(ControlService service) => _service = service;

    public long Scrapes { get; private set; }

    public static MetricsHttp? TryStart(MetricsSettings settings, ControlService service, out string? error)
    {
        error = null;
        if (settings.Listen is not { } listen) return null;
        if (!Configuration.OperatingBinder.TryParseListen(listen, out var endpoint, out error))
            return null;
        if (!SocketInterop.TryListenTcp(endpoint!, out int fd, out int errno))
        {
            error = $"metrics: cannot listen on {listen}: {Errno.Describe(errno)}";
            return null;
        }
        var http = new MetricsHttp(service);
        http._server = StreamServer.TryStart(service.Runtime.Loop, fd, http, MaxRequestBytes, 16, out errno);
        if (http._server is null)
        {
            error = $"metrics: epoll refused {listen}: {Errno.Describe(errno)}";
            return null;
        }
        return http;
    }

    public int OnData(StreamConnection c, ReadOnlySpan<byte> received)
    {
        int end = received.IndexOf("\r\n\r\n"u8);
        int endLength = 4;
        if (end < 0)
        {
            end = received.IndexOf("\n\n"u8);
            endLength = 2;
        }
        if (end < 0) return 0;
        var head = received[..end];
        int lineEnd = head.IndexOf((byte)'\n');
        var requestLine = (lineEnd < 0 ? head : head[..lineEnd]).TrimEnd((byte)'\r');
        string line = Encoding.ASCII.GetString(requestLine);
        var parts = line.Split(' ');
        if (parts.Length != 3 || !parts[2].StartsWith("HTTP/1.", StringComparison.Ordinal))
            Respond(c, "400 Bad Request", "text/plain; charset=utf-8", "bad request\n", head: false);
        else if (parts[0] is not ("GET" or "HEAD"))
            Respond(c, "405 Method Not Allowed", "text/plain; charset=utf-8", "only GET /metrics\n", head: false);
        else
        {
            string path = parts[1];
            int q = path.IndexOf('?');
            if (q >= 0) path = path[..q];
            bool headOnly = parts[0] == "HEAD";
            if (path == "/metrics")
            {
                Scrapes++;
                Respond(c, "200 OK", "text/plain; version=0.0.4; charset=utf-8", MetricsText.Render(_service), headOnly);
            }
            else if (path == "/")
                Respond(c, "200 OK", "text/plain; charset=utf-8", "oomwarden: the metrics are at /metrics\n", headOnly);
            else Respond(c, "404 Not Found", "text/plain; charset=utf-8", "not found: the metrics are at /metrics\n", headOnly);
        }
        c.CloseAfterSend();
        return end + endLength;
    }

    public void OnOverflow(StreamConnection c) =>
        Respond(c, "431 Request Header Fields Too Large", "text/plain; charset=utf-8", "request too large\n", head: false);

    private static void Respond(StreamConnection c, string status, string type, string body, bool head)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(body);
        string header = $"HTTP/1.1 {status}\r\nContent-Type: {type}\r\nContent-Length: {bytes.Length}\r\nConnection: close\r\n\r\n";
        c.Send(Encoding.ASCII.GetBytes(header));
        if (!head) c.Send(bytes);
    }

    public void Dispose() => _server?.Dispose();
}
