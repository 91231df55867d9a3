using System.Runtime.InteropServices;
using OomWarden.Linux.Interop;
using OomWarden.Linux.Interop.FileSystem;

namespace OomWarden.Linux.IO;

/// <summary>Whole-file reads of kernel text files through pread(2) at offset 0, into a buffer that grows
/// (only while warming up) until the file fits. No allocation once the buffer is large enough.</summary>
internal static unsafe class NativeRead
{
    /// <summary>Largest buffer a read grows to; longer files are truncated (only cmdline can be that long).</summary>
    public const int MaxBytes = 1 << 20;

    /// <summary>Reads <paramref name="fd"/> from offset 0. Returns the length, or −errno.</summary>
    public static int ReadWhole(int fd, ref byte[] buffer, int maxBytes = MaxBytes)
    {
        while (true)
        {
            nint n;
            fixed (byte* p = buffer)
                n = FileSystemInterop.PRead(fd, p, (nuint)buffer.Length, 0);
            if (n < 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                if (errno == Errno.EINTR) continue;
                return -errno;
            }
            // A seq_file read fills the buffer whenever more is left: a short read is the whole file.
            if (n < buffer.Length || buffer.Length >= maxBytes) return (int)n;
            buffer = new byte[Math.Min(buffer.Length * 2, maxBytes)];
        }
    }

    /// <summary>openat(<paramref name="dirFd"/>, <paramref name="name"/>) for reading; −errno on failure.</summary>
    public static int OpenAt(int dirFd, ReadOnlySpan<byte> nulTerminatedName, int flags)
    {
        while (true)
        {
            int fd;
            fixed (byte* p = nulTerminatedName)
                fd = FileSystemInterop.OpenAt(dirFd, p, flags, 0);
            if (fd >= 0) return fd;
            int errno = Marshal.GetLastPInvokeError();
            if (errno != Errno.EINTR) return -errno;
        }
    }

    /// <summary>open(2) of an absolute or relative managed path; −errno on failure.</summary>
    public static int Open(string path, int flags)
    {
        while (true)
        {
            int fd = FileSystemInterop.OpenAt(OpenFlags.AtCurrentDirectory, path, flags, 0);
            if (fd >= 0) return fd;
            int errno = Marshal.GetLastPInvokeError();
            if (errno != Errno.EINTR) return -errno;
        }
    }

    /// <summary>Reads the file <paramref name="name"/> of directory <paramref name="dirFd"/> in one go. Returns the
    /// length or −errno.</summary>
    public static int ReadFileAt(int dirFd, ReadOnlySpan<byte> nulTerminatedName, ref byte[] buffer, int maxBytes = MaxBytes)
    {
        int fd = OpenAt(dirFd, nulTerminatedName, OpenFlags.ReadFile);
        if (fd < 0) return fd;
        try
        {
            return ReadWhole(fd, ref buffer, maxBytes);
        }
        finally
        {
            FileSystemInterop.Close(fd);
        }
    }

    /// <summary>Reads a whole file by path in one go (open, read, close). Returns the length or −errno.</summary>
    public static int ReadFile(string path, ref byte[] buffer, int maxBytes = MaxBytes)
    {
        int fd = Open(path, OpenFlags.ReadFile);
        if (fd < 0) return fd;
        try
        {
            return ReadWhole(fd, ref buffer, maxBytes);
        }
        finally
        {
            FileSystemInterop.Close(fd);
        }
    }
}
