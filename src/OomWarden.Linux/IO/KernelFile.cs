using Microsoft.Win32.SafeHandles;
using OomWarden.Linux.Interop.FileSystem;

namespace OomWarden.Linux.IO;

/// <summary>A kernel text file opened once and re-read at offset 0 on every poll (as earlyoom keeps /proc/meminfo).</summary>
internal sealed class KernelFile : IDisposable
{
    private readonly SafeFileHandle handle;

    private KernelFile(SafeFileHandle handle, string path)
    {
        this.handle = handle;
        Path = path;
    }

    public string Path { get; }

    /// <summary>Opens <paramref name="path"/> read-only; null with <paramref name="errno"/> set when it cannot.</summary>
    public static KernelFile? TryOpen(string path, out int errno)
    {
        int fd = NativeRead.Open(path, OpenFlags.ReadFile);
        if (fd < 0)
        {
            errno = -fd;
            return null;
        }
        errno = 0;
        return new KernelFile(new SafeFileHandle((IntPtr)fd, ownsHandle: true), path);
    }

    /// <summary>Re-reads the whole file into <paramref name="buffer"/>. Returns the length, or −errno
    /// (ENODEV once a cgroup has been removed).</summary>
    public int Read(ref byte[] buffer)
    {
        bool added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            return NativeRead.ReadWhole((int)handle.DangerousGetHandle(), ref buffer);
        }
        finally
        {
            if (added) handle.DangerousRelease();
        }
    }

    public void Dispose() => handle.Dispose();

    public override string ToString() => Path;
}
