using System.Runtime.InteropServices;
using OomWarden.Linux.Interop;
using OomWarden.Linux.Interop.FileSystem;

namespace OomWarden.Linux.IO;

/// <summary>Where <see cref="NativeRead.ReadWhole{TSource}"/> reads from: pread(2) on a descriptor, or a test double
/// that returns short reads as seq_file does.</summary>
internal interface IPositionalSource
{
    /// <summary>Reads at most <paramref name="destination"/>.Length bytes at <paramref name="offset"/>: the count
    /// (0 at the end), or −errno.</summary>
    nint Read(Span<byte> destination, long offset);
}

/// <summary>pread(2) on an open descriptor.</summary>
internal readonly unsafe struct DescriptorSource(int fd) : IPositionalSource
{
    public nint Read(Span<byte> destination, long offset)
    {
        nint n;
        fixed (byte* p = destination)
            n = FileSystemInterop.PRead(fd, p, (nuint)destination.Length, offset);
        return n >= 0 ? n : -Marshal.GetLastPInvokeError();
    }
}

/// <summary>Whole-file reads of kernel text files: pread(2) from offset 0 until it returns 0, into a buffer that
/// grows (only while warming up) until the file fits, up to a cap. No allocation once the buffer is large enough.</summary>
/// <remarks>
/// A short read is not the end of a kernel file: seq_file (cgroup.procs, tasks, mountinfo, maps) returns at most
/// about one page per call, record by record, whatever the buffer size. The only end is a read that returns 0;
/// that costs one more syscall per file (a sub-microsecond one on an exhausted seq_file), the price of being right.
/// A file longer than the cap is reported as truncated (the caller says so), never silently cut.
/// </remarks>
internal static unsafe class NativeRead
{
    /// <summary>Largest buffer a read grows to (2 million pids in cgroup.procs, 100,000 mount lines).</summary>
    public const int MaxBytes = 16 << 20;

    /// <summary>Reads <paramref name="fd"/> from offset 0 to its end. Returns the length, or −errno.
    /// <paramref name="truncated"/>: the file goes on past <paramref name="maxBytes"/> (the length returned).</summary>
    public static int ReadWhole(int fd, ref byte[] buffer, int maxBytes, out bool truncated) =>
        ReadWhole(new DescriptorSource(fd), ref buffer, maxBytes, out truncated);

    /// <summary>The read loop over any <see cref="IPositionalSource"/> (tests feed it short reads).</summary>
    internal static int ReadWhole<TSource>(TSource source, ref byte[] buffer, int maxBytes, out bool truncated)
        where TSource : IPositionalSource
    {
        truncated = false;
        int total = 0;
        while (true)
        {
            total = Fill(source, buffer, total);
            if (total < buffer.Length) return total; // the end, or −errno
            if (buffer.Length >= maxBytes) return AtCap(source, total, out truncated);
            var grown = new byte[(int)Math.Min(Math.Max(buffer.Length * 2L, 256), maxBytes)];
            buffer.AsSpan(0, total).CopyTo(grown);
            buffer = grown;
        }
    }

    /// <summary>Reads <paramref name="fd"/> from offset 0 into <paramref name="buffer"/>, which does not grow (memory
    /// the caller mapped, say). Returns the length, or −errno; <paramref name="truncated"/>: the file goes on past it.</summary>
    public static int ReadWhole(int fd, Span<byte> buffer, out bool truncated) =>
        ReadWhole(new DescriptorSource(fd), buffer, out truncated);

    internal static int ReadWhole<TSource>(TSource source, Span<byte> buffer, out bool truncated)
        where TSource : IPositionalSource
    {
        truncated = false;
        int total = Fill(source, buffer, 0);
        return total < buffer.Length ? total : AtCap(source, total, out truncated);
    }

    /// <summary>Fills <paramref name="buffer"/> from <paramref name="offset"/> of <paramref name="fd"/> (pread until it
    /// is full: a file read in pieces, an ELF header, /proc/self/pagemap). False at a read error or an early end.</summary>
    public static bool TryReadAt(int fd, Span<byte> buffer, long offset)
    {
        var source = new DescriptorSource(fd);
        for (int done = 0; done < buffer.Length;)
        {
            nint n = source.Read(buffer[done..], offset + done);
            if (n == -Errno.EINTR) continue;
            if (n <= 0) return false;
            done += (int)n;
        }
        return true;
    }

    /// <summary>Reads from <paramref name="offset"/> on into <paramref name="buffer"/> until a read returns 0 or the
    /// buffer is full: the length then (the buffer's when it is full), or −errno.</summary>
    private static int Fill<TSource>(TSource source, Span<byte> buffer, int offset) where TSource : IPositionalSource
    {
        int total = offset;
        while (total < buffer.Length)
        {
            nint n = source.Read(buffer[total..], total);
            if (n == 0) return total;
            if (n < 0)
            {
                if (n == -Errno.EINTR) continue;
                return (int)n;
            }
            total += (int)n;
        }
        return total;
    }

    /// <summary>The buffer is full at <paramref name="total"/>: is there anything left? One byte says.</summary>
    private static int AtCap<TSource>(TSource source, int total, out bool truncated) where TSource : IPositionalSource
    {
        truncated = false;
        Span<byte> probe = stackalloc byte[1];
        nint more;
        do more = source.Read(probe, total); while (more == -Errno.EINTR);
        if (more < 0) return (int)more;
        truncated = more > 0;
        return total;
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

    /// <summary>Reads the file <paramref name="nulTerminatedName"/> of directory <paramref name="dirFd"/> to its end.
    /// Returns the length or −errno; <paramref name="truncated"/> as in <see cref="ReadWhole(int, ref byte[], int, out bool)"/>.</summary>
    public static int ReadFileAt(int dirFd, ReadOnlySpan<byte> nulTerminatedName, ref byte[] buffer, int maxBytes, out bool truncated)
    {
        truncated = false;
        int fd = OpenAt(dirFd, nulTerminatedName, OpenFlags.ReadFile);
        if (fd < 0) return fd;
        try
        {
            return ReadWhole(fd, ref buffer, maxBytes, out truncated);
        }
        finally
        {
            FileSystemInterop.Close(fd);
        }
    }

    /// <summary>Reads a whole file by path (open, read to the end, close). Returns the length or −errno.</summary>
    public static int ReadFile(string path, ref byte[] buffer, int maxBytes, out bool truncated)
    {
        truncated = false;
        int fd = Open(path, OpenFlags.ReadFile);
        if (fd < 0) return fd;
        try
        {
            return ReadWhole(fd, ref buffer, maxBytes, out truncated);
        }
        finally
        {
            FileSystemInterop.Close(fd);
        }
    }

    /// <summary>"PATH: longer than 16 MiB; only the first 16 MiB were read".</summary>
    public static string TruncatedMessage(string path, int maxBytes) =>
        $"{path}: longer than {Describe(maxBytes)}; only the first {Describe(maxBytes)} were read";

    private static string Describe(int bytes) => bytes >= 1 << 20 && bytes % (1 << 20) == 0
        ? $"{bytes >> 20} MiB"
        : bytes >= 1 << 10 && bytes % (1 << 10) == 0 ? $"{bytes >> 10} KiB" : $"{bytes} bytes";
}
