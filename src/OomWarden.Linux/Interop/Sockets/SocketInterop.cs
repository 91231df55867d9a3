using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using OomWarden.Linux.Interop.FileSystem;

namespace OomWarden.Linux.Interop.Sockets;

/// <summary>The peer of a connected AF_UNIX socket as the kernel saw it at connect (SO_PEERCRED).</summary>
public readonly record struct PeerCredentials(int Pid, int Uid, int Gid);

/// <summary>socket(2), bind, listen, accept4, SO_PEERCRED, send and recv on raw non-blocking descriptors: the
/// control socket and the metrics listener live on the daemon's epoll loop, so nothing here ever waits.</summary>
public static unsafe partial class SocketInterop
{
    private const int AfUnix = 1, AfInet = 2, AfInet6 = 10;
    private const int SockStream = 1, SockNonBlock = 0x800, SockCloexec = 0x80000;
    private const int SolSocket = 1, SoReuseAddr = 2, SoPeerCred = 17;
    private const int IpProtoIpv6 = 41, Ipv6V6Only = 26;
    private const int MsgNoSignal = 0x4000, MsgDontWait = 0x40;

    [LibraryImport("libc", EntryPoint = "socket", SetLastError = true)]
    private static partial int SocketNative(int domain, int type, int protocol);

    [LibraryImport("libc", EntryPoint = "bind", SetLastError = true)]
    private static partial int BindNative(int fd, byte* address, uint length);

    [LibraryImport("libc", EntryPoint = "listen", SetLastError = true)]
    private static partial int ListenNative(int fd, int backlog);

    [LibraryImport("libc", EntryPoint = "accept4", SetLastError = true)]
    private static partial int Accept4Native(int fd, byte* address, uint* length, int flags);

    [LibraryImport("libc", EntryPoint = "getsockopt", SetLastError = true)]
    private static partial int GetSockOptNative(int fd, int level, int name, void* value, uint* length);

    [LibraryImport("libc", EntryPoint = "setsockopt", SetLastError = true)]
    private static partial int SetSockOptNative(int fd, int level, int name, void* value, uint length);

    [LibraryImport("libc", EntryPoint = "send", SetLastError = true)]
    private static partial nint SendNative(int fd, byte* buffer, nuint length, int flags);

    [LibraryImport("libc", EntryPoint = "recv", SetLastError = true)]
    private static partial nint RecvNative(int fd, byte* buffer, nuint length, int flags);

    [LibraryImport("libc", EntryPoint = "chmod", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int ChmodNative(string path, uint mode);

    [LibraryImport("libc", EntryPoint = "chown", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int ChownNative(string path, int uid, int gid);

    [LibraryImport("libc", EntryPoint = "umask")]
    private static partial uint UmaskNative(uint mask);

    /// <summary>A listening AF_UNIX stream socket at <paramref name="path"/>, created under umask 0177 (never wider
    /// than 0600, even for an instant) and then set to <paramref name="mode"/>, owned by <paramref name="gid"/> when
    /// given. The caller has removed a stale socket at the path; an existing file makes bind fail (EADDRINUSE).</summary>
    public static bool TryListenUnix(string path, uint mode, int? gid, out int fd, out int errno)
    {
        fd = -1;
        byte[] address = new byte[110];
        BinaryPrimitives.WriteUInt16LittleEndian(address, AfUnix);
        int n = Encoding.UTF8.GetBytes(path, 0, path.Length, address, 2);
        if (n > 107)
        {
            errno = 36; // ENAMETOOLONG
            return false;
        }
        if (!TrySocket(AfUnix, out fd, out errno)) return false;
        uint old = UmaskNative(0x7F); // 0177
        int r;
        fixed (byte* a = address) r = BindNative(fd, a, (uint)(2 + n + 1));
        errno = r < 0 ? Marshal.GetLastSystemError() : 0;
        UmaskNative(old);
        if (r == 0 && gid is int g && ChownNative(path, -1, g) < 0) errno = Marshal.GetLastSystemError();
        if (r == 0 && errno == 0 && ChmodNative(path, mode) < 0) errno = Marshal.GetLastSystemError();
        if (r == 0 && errno == 0 && ListenNative(fd, 64) < 0) errno = Marshal.GetLastSystemError();
        if (errno == 0) return true;
        Close(fd);
        fd = -1;
        return false;
    }

    /// <summary>A listening TCP socket on <paramref name="endpoint"/> (SO_REUSEADDR, so a restart finds its port).</summary>
    public static bool TryListenTcp(IPEndPoint endpoint, out int fd, out int errno)
    {
        bool v6 = endpoint.AddressFamily == AddressFamily.InterNetworkV6;
        if (!TrySocket(v6 ? AfInet6 : AfInet, out fd, out errno)) return false;
        int one = 1;
        SetSockOptNative(fd, SolSocket, SoReuseAddr, &one, sizeof(int));
        if (v6) SetSockOptNative(fd, IpProtoIpv6, Ipv6V6Only, &one, sizeof(int));
        byte[] address = new byte[v6 ? 28 : 16];
        BinaryPrimitives.WriteUInt16LittleEndian(address, (ushort)(v6 ? AfInet6 : AfInet));
        BinaryPrimitives.WriteUInt16BigEndian(address.AsSpan(2), (ushort)endpoint.Port);
        endpoint.Address.TryWriteBytes(address.AsSpan(v6 ? 8 : 4), out _);
        if (v6) BinaryPrimitives.WriteUInt32LittleEndian(address.AsSpan(24), (uint)endpoint.Address.ScopeId);
        int r;
        fixed (byte* a = address) r = BindNative(fd, a, (uint)address.Length);
        if (r == 0) r = ListenNative(fd, 64);
        errno = r < 0 ? Marshal.GetLastSystemError() : 0;
        if (r == 0) return true;
        Close(fd);
        fd = -1;
        return false;
    }

    private static bool TrySocket(int family, out int fd, out int errno)
    {
        fd = SocketNative(family, SockStream | SockNonBlock | SockCloexec, 0);
        errno = fd < 0 ? Marshal.GetLastSystemError() : 0;
        return fd >= 0;
    }

    /// <summary>One pending connection, non-blocking and close-on-exec; false with EAGAIN when none is left.</summary>
    public static bool TryAccept(int listenFd, out int fd, out int errno)
    {
        fd = Accept4Native(listenFd, null, null, SockNonBlock | SockCloexec);
        errno = fd < 0 ? Marshal.GetLastSystemError() : 0;
        return fd >= 0;
    }

    public static bool TryGetPeer(int fd, out PeerCredentials peer)
    {
        int* cred = stackalloc int[3];
        uint length = 12;
        peer = default;
        if (GetSockOptNative(fd, SolSocket, SoPeerCred, cred, &length) < 0 || length < 12) return false;
        peer = new PeerCredentials(cred[0], cred[1], cred[2]);
        return true;
    }

    /// <summary>Bytes sent (0..length), or -1 with errno (EAGAIN: the peer's buffer is full; EPIPE: gone).</summary>
    public static int Send(int fd, ReadOnlySpan<byte> data, out int errno)
    {
        fixed (byte* p = data)
        {
            nint r = SendNative(fd, p, (nuint)data.Length, MsgNoSignal | MsgDontWait);
            errno = r < 0 ? Marshal.GetLastSystemError() : 0;
            return (int)r;
        }
    }

    /// <summary>Bytes read, 0 at end of stream, or -1 with errno (EAGAIN: nothing more now).</summary>
    public static int Receive(int fd, Span<byte> buffer, out int errno)
    {
        fixed (byte* p = buffer)
        {
            nint r = RecvNative(fd, p, (nuint)buffer.Length, MsgDontWait);
            errno = r < 0 ? Marshal.GetLastSystemError() : 0;
            return (int)r;
        }
    }

    public static void Close(int fd) => FileSystemInterop.Close(fd);
}

public static partial class SocketInterop
{
    [LibraryImport("libc", EntryPoint = "geteuid")]
    private static partial uint GetEuidNative();

    /// <summary>geteuid(2).</summary>
    public static uint EffectiveUid() => GetEuidNative();
}
