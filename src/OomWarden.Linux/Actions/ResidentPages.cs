using System.Buffers.Binary;
using OomWarden.Linux.Interop;
using OomWarden.Linux.Interop.FileSystem;
using OomWarden.Linux.Interop.Process;
using OomWarden.Linux.IO;
using OomWarden.Linux.Parsing;

namespace OomWarden.Linux.Actions;

/// <summary>Which pages of some mappings this process has mapped now: bit 63 ("present") of each 8-byte entry of
/// /proc/self/pagemap, which a process may read for itself without privilege (without CAP_SYS_ADMIN the frame
/// numbers read as 0; the bit does not). What the working-set trim kept at its last finish, against what is mapped at
/// a later begin, is what came back since: the only pages a later cycle needs to look at.</summary>
public static class ResidentPages
{
    public const ulong PageBytes = 4096;

    /// <summary>pagemap's "page present in RAM" (mapped by this process; a swapped page has bit 62 instead).</summary>
    public const ulong PresentBit = 1UL << 63;

    /// <summary>Appends to <paramref name="present"/> the address of each page whose 8-byte entry in
    /// <paramref name="entries"/> (one per page, the first for <paramref name="startAddress"/>) has the present bit.</summary>
    public static void Decode(ReadOnlySpan<byte> entries, ulong startAddress, List<ulong> present)
    {
        for (int i = 0; i + 8 <= entries.Length; i += 8)
            if ((BinaryPrimitives.ReadUInt64LittleEndian(entries[i..]) & PresentBit) != 0)
                present.Add(startAddress + (ulong)(i / 8) * PageBytes);
    }

    /// <summary>The present pages of <paramref name="mappings"/>, ascending, from <paramref name="pagemapPath"/>
    /// (/proc/self/pagemap). False, with the errno, when it cannot be opened or read.</summary>
    public static bool TryRead(string pagemapPath, List<SmapsMapping> mappings, out ulong[] present, out int errno)
    {
        present = [];
        int fd = NativeRead.Open(pagemapPath, OpenFlags.ReadOnly | OpenFlags.CloseOnExec);
        if (fd < 0)
        {
            errno = -fd;
            return false;
        }
        try
        {
            var pages = new List<ulong>();
            byte[] buffer = [];
            foreach (var m in mappings)
            {
                int bytes = (int)(m.LengthBytes / PageBytes) * 8;
                if (buffer.Length < bytes) buffer = new byte[bytes];
                if (!NativeRead.TryReadAt(fd, buffer.AsSpan(0, bytes), (long)(m.StartAddress / PageBytes * 8)))
                {
                    errno = Errno.EIO;
                    return false;
                }
                Decode(buffer.AsSpan(0, bytes), m.StartAddress, pages);
            }
            present = pages.ToArray();
            Array.Sort(present);
            errno = 0;
            return true;
        }
        finally
        {
            RawFile.Close(fd);
        }
    }

    /// <summary>The pages of <paramref name="present"/> not in <paramref name="kept"/> (both ascending): mapped again
    /// since <paramref name="kept"/> was read.</summary>
    public static List<ulong> Since(ulong[] present, ulong[] kept)
    {
        var regrown = new List<ulong>();
        int k = 0;
        foreach (ulong page in present)
        {
            while (k < kept.Length && kept[k] < page) k++;
            if (k == kept.Length || kept[k] != page) regrown.Add(page);
        }
        return regrown;
    }
}
