using System.Runtime.InteropServices;

namespace OomWarden.Linux.Interop.Process;

/// <summary>mmap(2)/munmap(2) of private anonymous memory: a one-off buffer that goes back to the system whole
/// when unmapped (malloc would keep it in an arena, the GC in its heap).</summary>
public static unsafe partial class AnonymousMemory
{
    private const int ProtRead = 1, ProtWrite = 2, MapPrivate = 2, MapAnonymous = 0x20, MapNoReserve = 0x4000;

    /// <summary>Reserves <paramref name="length"/> bytes (pages become resident when written); null on failure.</summary>
    public static byte* TryMap(nuint length, out int errno)
    {
        nint p = FileMapping.MmapNative(0, length, ProtRead | ProtWrite, MapPrivate | MapAnonymous | MapNoReserve, -1, 0);
        errno = p == -1 ? Marshal.GetLastSystemError() : 0;
        return p == -1 ? null : (byte*)p;
    }

    public static void Unmap(byte* address, nuint length) => FileMapping.MunmapNative((nint)address, length);
}
