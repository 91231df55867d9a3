using System.Net.Sockets;
using OomWarden.Core.Settings;
using OomWarden.Linux.Control;
using OomWarden.Linux.Interop;
using OomWarden.Linux.Interop.Sockets;

namespace OomWarden.Control;

/// <summary>The control socket at <c>[control] socket</c>: AF_UNIX stream, 0600 (0660 owned by <c>[control] group</c>
/// when set), served on the loop by a <see cref="StreamServer"/> (64 clients, 4 KiB per request). A socket left by a
/// dead instance is replaced; one that answers belongs to a live daemon and is left alone (this one then runs without).</summary>
public sealed class ControlSocket : IDisposable
{
    public const int MaxClients = 64;

    private readonly StreamServer _server;
    private readonly (long Dev, long Ino) _identity;

    private ControlSocket(StreamServer server, string path, ControlProtocol protocol)
    {
        _server = server;
        Path = path;
        Protocol = protocol;
        _identity = Identity(path);
    }

    public string Path { get; }

    public ControlProtocol Protocol { get; }

    /// <summary>Null with the reason when there is no socket (turned off: <paramref name="error"/> null).</summary>
    public static ControlSocket? TryStart(ControlSettings settings, ControlService service, out string? error)
    {
        error = null;
        string path = settings.Socket;
        if (path.Length == 0) return null;
        string dir = System.IO.Path.GetDirectoryName(path) ?? "/";
        try
        {
            if (!Directory.Exists(dir) && OperatingSystem.IsLinux())
                Directory.CreateDirectory(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                    | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error = $"no control socket: cannot create {dir}: {OsErrors.Describe(e)}";
            return null;
        }
        if (Linux.IO.FileIdentity.Exists(path))
        {
            if (IsSocket(path) && Answers(path))
            {
                error = $"no control socket: {path} belongs to a running daemon";
                return null;
            }
            if (!IsSocket(path))
            {
                error = $"no control socket: {path} exists and is not a socket (remove it)";
                return null;
            }
            try { File.Delete(path); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                error = $"no control socket: cannot remove the stale {path}: {OsErrors.Describe(e)}";
                return null;
            }
        }
        uint mode = settings.GroupId is null ? 0x180u /* 0600 */ : 0x1B0u /* 0660 */;
        if (!SocketInterop.TryListenUnix(path, mode, settings.GroupId, out int fd, out int errno))
        {
            error = $"no control socket: cannot listen on {path}: {Errno.Describe(errno)}";
            return null;
        }
        var protocol = new ControlProtocol(service, settings.GroupId);
        var server = StreamServer.TryStart(service.Runtime.Loop, fd, protocol, ControlProtocol.MaxRequestBytes, MaxClients, out errno);
        if (server is null)
        {
            error = $"no control socket: epoll refused {path}: {Errno.Describe(errno)}";
            return null;
        }
        return new ControlSocket(server, path, protocol);
    }

    private static bool IsSocket(string path) => Linux.IO.FileIdentity.IsSocket(path);

    private static bool Answers(string path)
    {
        using var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            s.Connect(new UnixDomainSocketEndPoint(path));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static (long, long) Identity(string path) => Linux.IO.FileIdentity.TryGet(path, out long dev, out long ino) ? (dev, ino) : (0, 0);

    public void Dispose()
    {
        _server.Dispose();
        // Only our own socket: a newer instance may have taken the path over.
        if (_identity != (0, 0) && Identity(Path) == _identity)
        {
            try { File.Delete(Path); } catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        }
    }
}
