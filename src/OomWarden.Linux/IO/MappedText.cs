using OomWarden.Linux.Interop.FileSystem;
using OomWarden.Linux.Interop.Process;

namespace OomWarden.Linux.IO;

/// <summary>A whole kernel text file (/proc/self/smaps, maps) read into anonymous memory of its own, unmapped on
/// <see cref="Dispose"/>: neither a managed array that would stay committed in the (locked) GC heap nor malloc's
/// arena. For the footprint trims, whose smaps can be ~1 KiB per page of the daemon's mappings.</summary>
public readonly unsafe struct MappedText : IDisposable
{
    /// <summary>The most a read takes (reserved, not committed: only the pages written become resident).</summary>
    public const int CapacityBytes = 64 << 20;

    private readonly byte* _bytes;
    private readonly int _length;

    private MappedText(byte* bytes, int length)
    {
        _bytes = bytes;
        _length = length;
    }

    public ReadOnlySpan<byte> Span => new(_bytes, _length);

    /// <summary>Reads <paramref name="path"/> to its end (<see cref="NativeRead.ReadWhole(int, Span{byte}, out bool)"/>).
    /// False with errno when it cannot be opened, read or mapped; EFBIG when it is longer than
    /// <see cref="CapacityBytes"/>.</summary>
    public static bool TryRead(string path, out MappedText text, out int errno)
    {
        text = default;
        int fd = NativeRead.Open(path, OpenFlags.ReadFile);
        if (fd < 0)
        {
            errno = -fd;
            return false;
        }
        try
        {
            byte* buffer = AnonymousMemory.TryMap(CapacityBytes, out errno);
            if (buffer is null) return false;
            int n = NativeRead.ReadWhole(fd, new Span<byte>(buffer, CapacityBytes), out bool truncated);
            if (n < 0 || truncated)
            {
                AnonymousMemory.Unmap(buffer, CapacityBytes);
                errno = n < 0 ? -n : Interop.Errno.EFBIG;
                return false;
            }
            text = new MappedText(buffer, n);
            errno = 0;
            return true;
        }
        finally
        {
            FileSystemInterop.Close(fd);
        }
    }

    public void Dispose()
    {
        if (_bytes is not null) AnonymousMemory.Unmap(_bytes, CapacityBytes);
    }
}
