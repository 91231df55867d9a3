using Microsoft.Win32.SafeHandles;
using OomWarden.Linux.Interop;
using OomWarden.Linux.Interop.FileSystem;

namespace OomWarden.Linux.IO;

/// <summary>A kernel text file opened once and re-read from offset 0 to its end on every poll (as earlyoom keeps
/// /proc/meminfo open and rewinds).</summary>
internal sealed class KernelFile : IDisposable
{
    private readonly SafeFileHandle handle;
    private int lastErrno;
    private string? lastErrorText;

    private KernelFile(SafeFileHandle handle, string path, int maxBytes)
    {
        this.handle = handle;
        Path = path;
        MaxBytes = maxBytes;
    }

    public string Path { get; }

    /// <summary>The cap a read grows its buffer to; a longer file reads as truncated.</summary>
    public int MaxBytes { get; }

    /// <summary>Opens <paramref name="path"/> read-only; null with <paramref name="errno"/> set when it cannot.</summary>
    public static KernelFile? TryOpen(string path, out int errno, int maxBytes = NativeRead.MaxBytes)
    {
        int fd = NativeRead.Open(path, OpenFlags.ReadFile);
        if (fd < 0)
        {
            errno = -fd;
            return null;
        }
        errno = 0;
        return new KernelFile(new SafeFileHandle((IntPtr)fd, ownsHandle: true), path, maxBytes);
    }

    /// <summary>Re-reads the whole file into <paramref name="buffer"/> (growing it up to <see cref="MaxBytes"/>).
    /// Returns the length, or −errno (ENODEV once a cgroup has been removed). <paramref name="truncated"/>: the file
    /// goes on past <see cref="MaxBytes"/>.</summary>
    public int Read(ref byte[] buffer, out bool truncated)
    {
        bool added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            return NativeRead.ReadWhole((int)handle.DangerousGetHandle(), ref buffer, MaxBytes, out truncated);
        }
        finally
        {
            if (added) handle.DangerousRelease();
        }
    }

    /// <summary>"read PATH: errno N (text)", built once per distinct errno so that a file failing on every tick
    /// does not allocate on every tick.</summary>
    public string DescribeError(int errno)
    {
        if (errno != lastErrno || lastErrorText is null)
        {
            lastErrno = errno;
            lastErrorText = Errno.Describe(errno, "read", Path);
        }
        return lastErrorText;
    }

    /// <summary>"PATH: longer than N; only the first N were read" (built once).</summary>
    public string TruncatedMessage => truncatedMessage ??= NativeRead.TruncatedMessage(Path, MaxBytes);

    private string? truncatedMessage;

    public void Dispose() => handle.Dispose();

    public override string ToString() => Path;
}
