using System.Net.Sockets;
using System.Runtime.InteropServices;
using OomWarden.Linux.Interop;
using OomWarden.Linux.Interop.FileSystem;
using OomWarden.Linux.Interop.Process;
using OomWarden.Linux.IO;

namespace OomWarden.Linux.Notify;

/// <summary>A listening AF_UNIX stream socket at a path, created safely: the directory is created 0755 when missing
/// and must then be a real directory (not a link) owned by the daemon's user and writable by nobody else; whatever
/// is at the path is removed only when it is a socket (a stale one from an earlier run), never a file or a link
/// someone planted. The socket is non-blocking, close-on-exec, and chmod'ed to <c>mode</c> (0666 by default: any
/// local user may connect; what each one hears is decided per peer).</summary>
public static unsafe class UnixListener
{
    private const int AtSymlinkNoFollow = 0x100;
    public const UnixFileMode DefaultSocketMode = (UnixFileMode)0x1B6; // 0666

    public static Socket? TryListen(string path, out string? error, UnixFileMode mode = DefaultSocketMode, int backlog = 64)
    {
        if (OperatingSystem.IsWindows())
        {
            error = "unix sockets with modes need Linux";
            return null;
        }
        string? dir = Path.GetDirectoryName(path);
        if (string.IsNullOrEmpty(dir) || !Path.IsPathRooted(path))
        {
            error = $"{path}: not an absolute path";
            return null;
        }
        if (!TryStat(dir, out ushort dmode, out uint duid, out int errno))
        {
            if (errno != Errno.ENOENT)
            {
                error = Errno.Describe(errno, "statx", dir);
                return null;
            }
            try
            {
                Directory.CreateDirectory(dir, (UnixFileMode)0x1ED); // 0755 (the parent must exist)
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                error = $"{dir}: cannot create the directory: {e.Message}";
                return null;
            }
            if (!TryStat(dir, out dmode, out duid, out errno))
            {
                error = Errno.Describe(errno, "statx", dir);
                return null;
            }
        }
        if (FileTypes.Of(dmode) != FileType.Directory)
        {
            error = $"{dir} is not a directory (a link or a file): refusing to put a socket there";
            return null;
        }
        uint euid = Ids.EffectiveUserId();
        if (duid != euid || (dmode & 0x12) != 0)
        {
            error = $"{dir} is owned by uid {duid} or writable by group/others (mode {Convert.ToString(dmode & 0xFFF, 8)}): another user could replace the socket; it must be owned by uid {euid} and not group/other-writable";
            return null;
        }
        if (TryStat(path, out ushort pmode, out _, out errno))
        {
            if (FileTypes.Of(pmode) != FileType.Socket)
            {
                error = $"{path} exists and is not a socket: not removed";
                return null;
            }
            File.Delete(path);
        }
        else if (errno != Errno.ENOENT)
        {
            error = Errno.Describe(errno, "statx", path);
            return null;
        }
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            socket.Bind(new UnixDomainSocketEndPoint(path));
            File.SetUnixFileMode(path, mode);
            socket.Listen(backlog);
            socket.Blocking = false;
            error = null;
            return socket;
        }
        catch (Exception e) when (e is SocketException or IOException or UnauthorizedAccessException)
        {
            socket.Dispose();
            error = $"{path}: {e.Message}";
            return null;
        }
    }

    /// <summary>The peer's pid, uid and gid (SO_PEERCRED), as the kernel recorded them at connect.</summary>
    public static bool TryPeerCredentials(Socket socket, out int pid, out int uid)
    {
        Span<byte> cred = stackalloc byte[12];
        pid = uid = -1;
        try
        {
            if (socket.GetRawSocketOption(1 /* SOL_SOCKET */, 17 /* SO_PEERCRED */, cred) < 12) return false;
        }
        catch (SocketException)
        {
            return false;
        }
        pid = MemoryMarshal.Read<int>(cred);
        uid = MemoryMarshal.Read<int>(cred[4..]);
        return pid > 0;
    }

    private static bool TryStat(string path, out ushort mode, out uint uid, out int errno)
    {
        byte* buffer = stackalloc byte[256];
        new Span<byte>(buffer, 256).Clear();
        mode = 0;
        uid = 0;
        if (FileSystemInterop.Statx(OpenFlags.AtCurrentDirectory, path, AtSymlinkNoFollow, 0x1 | 0x2 | 0x8 /* TYPE | MODE | UID */, buffer) != 0)
        {
            errno = Marshal.GetLastPInvokeError();
            return false;
        }
        errno = 0;
        uid = *(uint*)(buffer + 20);
        mode = *(ushort*)(buffer + 28);
        return true;
    }
}
