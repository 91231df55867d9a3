using System.Runtime.InteropServices;
using OomWarden.Linux.Interop.FileSystem;

namespace OomWarden.Linux.Interop.Process;

/// <summary>inotify(7) on cgroup directories: a cgroup created or removed wakes the daemon to re-list the
/// tree, instead of re-listing it on a timer (the largest part of an idle daemon's CPU time).</summary>
public sealed partial class Inotify : IDisposable
{
    private const int InNonblock = 0x800;
    private const int InCloexec = 0x80000;
    private const uint InCreate = 0x100;
    private const uint InDelete = 0x200;
    private const uint InOnlyDir = 0x01000000;

    private readonly byte[] _drain = new byte[4096];
    private int _fd;

    private Inotify(int fd) => _fd = fd;

    public int Fd => _fd;

    [LibraryImport("libc", EntryPoint = "inotify_init1", SetLastError = true)]
    private static partial int Init1(int flags);

    [LibraryImport("libc", EntryPoint = "inotify_add_watch", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int AddWatchNative(int fd, string path, uint mask);

    public static Inotify? TryCreate(out int errno)
    {
        int fd = Init1(InNonblock | InCloexec);
        errno = fd < 0 ? Marshal.GetLastSystemError() : 0;
        return fd < 0 ? null : new Inotify(fd);
    }

    /// <summary>Watches <paramref name="directory"/> for subdirectories created or removed; adding a watch twice
    /// is harmless (the kernel returns the same one). False when the directory is gone or the limit is hit.</summary>
    public bool TryWatchDirectory(string directory) => AddWatchNative(_fd, directory, InCreate | InDelete | InOnlyDir) >= 0;

    /// <summary>Reads and discards pending events (non-blocking); true when there were any.</summary>
    public unsafe bool Drain()
    {
        bool any = false;
        fixed (byte* p = _drain)
        {
            while (FileSystemInterop.Read(_fd, p, (nuint)_drain.Length) > 0) any = true;
        }
        return any;
    }

    public void Dispose()
    {
        int fd = Interlocked.Exchange(ref _fd, -1);
        if (fd >= 0) FileSystemInterop.Close(fd);
    }
}
