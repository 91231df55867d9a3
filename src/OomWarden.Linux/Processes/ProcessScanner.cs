using System.Runtime.InteropServices;
using OomWarden.Linux.Interop;
using OomWarden.Linux.Interop.FileSystem;
using OomWarden.Linux.IO;

namespace OomWarden.Linux.Processes;

/// <summary>Lists the numeric entries of ProcRoot with getdents64 into a reusable int buffer: no string per entry,
/// 0 bytes allocated per scan once the buffers are large enough.</summary>
public sealed unsafe class ProcessScanner
{
    private readonly string procRoot;
    private readonly byte[] direntBuffer = GC.AllocateArray<byte>(32 * 1024, pinned: true);
    private int[] pids = new int[512];
    private int count;

    public ProcessScanner(HostPaths paths)
    {
        procRoot = paths.ProcRoot;
    }

    /// <summary>The pids found by the last <see cref="Scan"/>, in directory order.</summary>
    public ReadOnlySpan<int> Pids => pids.AsSpan(0, count);

    /// <summary>Why the last scan failed; null after a success.</summary>
    public string? LastError { get; private set; }

    /// <summary>Lists ProcRoot. Returns the number of pids, or −1 when ProcRoot cannot be read (see <see cref="LastError"/>).</summary>
    public int Scan()
    {
        count = 0;
        int fd = NativeRead.Open(procRoot, OpenFlags.ReadDirectory);
        if (fd < 0)
        {
            LastError = Errno.Describe(-fd, "open", procRoot);
            return -1;
        }
        try
        {
            fixed (byte* buffer = direntBuffer)
            {
                while (true)
                {
                    nint n = FileSystemInterop.Getdents64(fd, buffer, (nuint)direntBuffer.Length);
                    if (n == 0) break;
                    if (n < 0)
                    {
                        int errno = Marshal.GetLastPInvokeError();
                        if (errno == Errno.EINTR) continue;
                        LastError = Errno.Describe(errno, "getdents64", procRoot);
                        return -1;
                    }
                    Collect(new ReadOnlySpan<byte>(buffer, (int)n));
                }
            }
        }
        finally
        {
            FileSystemInterop.Close(fd);
        }
        LastError = null;
        return count;
    }

    /// <summary>Walks linux_dirent64 records: u64 d_ino, s64 d_off, u16 d_reclen, u8 d_type, char d_name[].</summary>
    private void Collect(ReadOnlySpan<byte> records)
    {
        const int NameOffset = 19;
        const byte DtUnknown = 0, DtDir = 4;
        int offset = 0;
        while (offset + NameOffset < records.Length)
        {
            int recordLength = MemoryMarshal.Read<ushort>(records[(offset + 16)..]);
            if (recordLength == 0) break;
            byte type = records[offset + 18];
            if (type is DtDir or DtUnknown && TryParsePid(records.Slice(offset + NameOffset, recordLength - NameOffset), out int pid))
                Add(pid);
            offset += recordLength;
        }
    }

    /// <summary>A NUL-terminated name made of digits only, fitting an int.</summary>
    internal static bool TryParsePid(ReadOnlySpan<byte> name, out int pid)
    {
        pid = 0;
        int i = 0;
        for (; i < name.Length && name[i] != 0; i++)
        {
            byte c = name[i];
            if (c is < (byte)'0' or > (byte)'9') return false;
            if (pid > (int.MaxValue - 9) / 10) return false;
            pid = pid * 10 + (c - '0');
        }
        return i > 0 && pid > 0;
    }

    private void Add(int pid)
    {
        if (count == pids.Length) Array.Resize(ref pids, pids.Length * 2);
        pids[count++] = pid;
    }
}
