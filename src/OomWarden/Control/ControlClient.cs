using System.Net.Sockets;
using System.Text;

namespace OomWarden.Control;

/// <summary>The client side of the control socket: connect, send one request line, read one reply line.</summary>
public static class ControlClient
{
    public enum Failure
    {
        None,

        /// <summary>No socket at the path, or nobody listening (ENOENT, ECONNREFUSED): no daemon.</summary>
        NoDaemon,

        /// <summary>The socket's mode keeps this user out (EACCES).</summary>
        Permission,

        /// <summary>No complete reply in time.</summary>
        Timeout,

        /// <summary>Anything else (the error says what).</summary>
        Other,
    }

    /// <summary>Replies can be large (a status of thousands of cgroups); a reply longer than this is not one.</summary>
    private const int MaxReplyBytes = 64 << 20;

    public static Failure TryRequest(string socketPath, string request, TimeSpan timeout, out string? reply, out string? error)
    {
        reply = null;
        error = null;
        using var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        s.ReceiveTimeout = s.SendTimeout = (int)timeout.TotalMilliseconds;
        try
        {
            s.Connect(new UnixDomainSocketEndPoint(socketPath));
        }
        catch (SocketException e)
        {
            error = e.SocketErrorCode switch
            {
                SocketError.AddressNotAvailable or SocketError.ConnectionRefused => "Connection refused",
                SocketError.AccessDenied => "Permission denied",
                _ => e.SocketErrorCode.ToString(),
            };
            if (e.SocketErrorCode == SocketError.AccessDenied) return Failure.Permission;
            if (e.SocketErrorCode is SocketError.ConnectionRefused or SocketError.AddressNotAvailable || !File.Exists(socketPath) && !Directory.Exists(socketPath))
            {
                if (!Linux.IO.FileIdentity.Exists(socketPath)) error = "No such file or directory";
                return Failure.NoDaemon;
            }
            return Failure.Other;
        }
        try
        {
            s.Send(Encoding.UTF8.GetBytes(request + "\n"));
            var buffer = new MemoryStream();
            var chunk = new byte[65536];
            while (true)
            {
                int n = s.Receive(chunk);
                if (n == 0) break;
                int newline = Array.IndexOf(chunk, (byte)'\n', 0, n);
                buffer.Write(chunk, 0, newline < 0 ? n : newline);
                if (newline >= 0) break;
                if (buffer.Length > MaxReplyBytes)
                {
                    error = $"reply longer than {MaxReplyBytes >> 20} MiB";
                    return Failure.Other;
                }
            }
            if (buffer.Length == 0)
            {
                error = "the daemon closed the connection without a reply";
                return Failure.Other;
            }
            reply = Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
            return Failure.None;
        }
        catch (SocketException e)
        {
            error = e.SocketErrorCode == SocketError.TimedOut ? $"no reply within {timeout.TotalSeconds:0} s" : e.SocketErrorCode.ToString();
            return e.SocketErrorCode == SocketError.TimedOut ? Failure.Timeout : Failure.Other;
        }
    }
}
