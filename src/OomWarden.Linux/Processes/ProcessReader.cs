using System.Diagnostics.CodeAnalysis;
using OomWarden.Linux.Interop;
using Microsoft.Win32.SafeHandles;
using OomWarden.Core.Model;
using OomWarden.Linux.Interop.FileSystem;
using OomWarden.Linux.IO;
using OomWarden.Linux.Parsing;

namespace OomWarden.Linux.Processes;

/// <summary>Reads one process from /proc/PID: opens the pid directory once as a dirfd, then openat()s the files
/// inside it. A pid that vanishes at any point (ENOENT, ESRCH) gives false, never an exception; once the dirfd is
/// open, a recycled pid cannot be mistaken for the old one (its files then report ESRCH).</summary>
/// <remarks>Not thread-safe (one reusable buffer). Strings (comm, cgroup path, exe) are shared between samples
/// through a small cache; the <see cref="ProcessSample"/> itself is the only per-process allocation in steady state.
/// Command names and command lines keep every character; invalid UTF-8 bytes become U+FFFD.</remarks>
public sealed unsafe class ProcessReader : IDisposable
{
    private const int CmdlineMaxBytes = 64 * 1024;
    private const int FileMaxBytes = 1 << 20;
    private readonly SafeFileHandle procDirectory;
    private readonly int pageSize;
    private readonly Utf8StringCache strings = new();
    private byte[] buffer = new byte[4096];
    private byte[] cmdlineBuffer = new byte[1024];

    /// <summary>Opens ProcRoot as a directory. Throws <see cref="IOException"/> when it cannot (fail fast at start).</summary>
    /// <param name="memoryOn">Where the memory controller is, to pick the right line of /proc/PID/cgroup.</param>
    public ProcessReader(HostPaths paths, CgroupVersion memoryOn)
    {
        ProcRoot = paths.ProcRoot;
        pageSize = paths.PageSizeBytes;
        MemoryOn = memoryOn;
        int fd = NativeRead.Open(paths.ProcRoot, OpenFlags.ReadDirectory);
        if (fd < 0) throw new IOException(Errno.Describe(-fd, "open", paths.ProcRoot));
        procDirectory = new SafeFileHandle((IntPtr)fd, ownsHandle: true);
    }

    public string ProcRoot { get; }

    public CgroupVersion MemoryOn { get; }

    /// <summary>Why the last read of an existing process failed for another reason than its exit (EACCES, malformed
    /// stat); null otherwise.</summary>
    public string? LastError { get; private set; }

    /// <summary>Reads stat and the files <paramref name="what"/> asks for. False when the pid does not exist or
    /// exited during the read.</summary>
    public bool TryRead(int pid, ProcessReadOptions what, [NotNullWhen(true)] out ProcessSample? sample)
    {
        sample = null;
        int dirFd = OpenPidDirectory(pid);
        if (dirFd < 0) return false;
        try
        {
            return TryReadFrom(dirFd, pid, what, out sample);
        }
        finally
        {
            FileSystemInterop.Close(dirFd);
        }
    }

    /// <summary>Start time of <paramref name="pid"/> (stat field 22, clock ticks since boot): with the pid, a name for
    /// one process for its whole life. One open and one read; 0 bytes allocated.</summary>
    public bool TryReadIdentity(int pid, out ulong startTimeTicks)
    {
        startTimeTicks = 0;
        // "<pid>/stat\0" relative to the ProcRoot dirfd.
        Span<byte> name = stackalloc byte[24];
        int length = FormatPid(pid, name);
        "/stat\0"u8.CopyTo(name[length..]);
        int n = ReadAt(Fd(procDirectory), name, ref buffer, FileMaxBytes);
        if (n < 0 || !ProcStatParser.TryParse(buffer.AsSpan(0, n), out var stat)) return false;
        startTimeTicks = stat.StartTimeTicks;
        return true;
    }

    /// <summary>For the cgroup killer: opens /proc/PID as a directory fd; every read through it answers ESRCH
    /// once that process is gone, so two reads through one fd describe one process. −errno on failure.</summary>
    internal int OpenPid(int pid) => OpenPidDirectory(pid);

    /// <summary>Start time (stat field 22) read through a pid directory fd from <see cref="OpenPid"/>.
    /// 0, or −errno (ESRCH once that process is gone; EMFILE when out of descriptors; EINVAL when malformed).</summary>
    internal int TryReadStartTimeAt(int pidDirFd, out ulong startTimeTicks)
    {
        startTimeTicks = 0;
        int n = ReadAt(pidDirFd, "stat\0"u8, ref buffer, FileMaxBytes);
        if (n < 0) return n;
        if (!ProcStatParser.TryParse(buffer.AsSpan(0, n), out var stat)) return -Errno.EINVAL;
        startTimeTicks = stat.StartTimeTicks;
        return 0;
    }

    /// <summary>Whether the memory-hierarchy line of /proc/PID/cgroup (read through a pid directory fd) names
    /// <paramref name="cgroupPath"/> or, when <paramref name="orBelow"/>, a cgroup under it. 0, or −errno as
    /// <see cref="TryReadStartTimeAt"/>.</summary>
    internal int TryReadIsInCgroupAt(int pidDirFd, string cgroupPath, bool orBelow, out bool isMember)
    {
        isMember = false;
        int n = ReadAt(pidDirFd, "cgroup\0"u8, ref buffer, FileMaxBytes);
        if (n < 0) return n;
        if (!ProcCgroupParser.TryFindMemoryPath(buffer.AsSpan(0, n), MemoryOn, out var path)) return -Errno.EINVAL;
        Span<char> chars = path.Length <= 1024 ? stackalloc char[path.Length] : new char[path.Length];
        int length = System.Text.Encoding.UTF8.GetChars(path, chars);
        var text = chars[..length];
        isMember = text.SequenceEqual(cgroupPath)
            || (orBelow && text.StartsWith(cgroupPath) && (cgroupPath == "/" || (text.Length > cgroupPath.Length && text[cgroupPath.Length] == '/')));
        return 0;
    }

    internal static void ClosePid(int pidDirFd) => FileSystemInterop.Close(pidDirFd);

    private bool TryReadFrom(int dirFd, int pid, ProcessReadOptions what, [NotNullWhen(true)] out ProcessSample? sample)
    {
        sample = null;
        int n = ReadAt(dirFd, "stat\0"u8, ref buffer, FileMaxBytes);
        if (n < 0) return Fail(-n, pid, "stat");
        var statText = buffer.AsSpan(0, n);
        if (!ProcStatParser.TryParse(statText, out var stat))
        {
            LastError = $"{ProcRoot}/{pid}/stat: malformed";
            return false;
        }
        string comm = strings.Get(stat.Comm(statText));
        bool kernelThread = stat.IsKernelThread;
        bool exiting = stat.IsExiting;

        long rss = SpanText.PagesToBytes(stat.RssPages, pageSize), swap = 0, pageTables = 0;
        int uid = -1, oomScoreAdj = 0, oomScore = -1;
        bool oomScoreAdjUnreadable = false;
        ulong mems = 0;
        string cgroupPath = "/";
        string? exe = null, cmdline = null;

        if (!kernelThread && (what & ProcessReadOptions.Status) != 0)
        {
            n = ReadAt(dirFd, "status\0"u8, ref buffer, FileMaxBytes);
            if (n < 0) { if (Gone(-n)) return false; }
            else if (ProcStatusParser.TryParse(buffer.AsSpan(0, n), out var status))
            {
                uid = status.Uid;
                rss = status.VmRssBytes;
                swap = status.VmSwapBytes;
                pageTables = status.VmPteBytes;
                mems = status.MemsAllowedMask;
                if (status.IsKernelThread == true) kernelThread = true;
                if (status.KillPending) exiting = true;
            }
        }
        else if (!kernelThread && (what & ProcessReadOptions.Statm) != 0)
        {
            n = ReadAt(dirFd, "statm\0"u8, ref buffer, FileMaxBytes);
            if (n < 0) { if (Gone(-n)) return false; }
            else if (StatmParser.TryParse(buffer.AsSpan(0, n), out var statm))
            {
                rss = SpanText.PagesToBytes(statm.ResidentPages, pageSize);
            }
        }

        if ((what & ProcessReadOptions.OomScoreAdj) != 0)
        {
            n = ReadAt(dirFd, "oom_score_adj\0"u8, ref buffer, FileMaxBytes);
            // Unreadable or unparsable: the process may be -1000, so it is marked (and hard-protected), never taken as 0.
            if (n < 0) { if (Gone(-n)) return false; oomScoreAdjUnreadable = true; }
            else if (!OomScoreParser.TryParseAdj(buffer.AsSpan(0, n), out oomScoreAdj)) { oomScoreAdj = 0; oomScoreAdjUnreadable = true; }
        }

        if ((what & ProcessReadOptions.OomScore) != 0)
        {
            n = ReadAt(dirFd, "oom_score\0"u8, ref buffer, FileMaxBytes);
            if (n < 0) { if (Gone(-n)) return false; }
            else if (!OomScoreParser.TryParse(buffer.AsSpan(0, n), out oomScore)) oomScore = -1;
        }

        if ((what & ProcessReadOptions.Cgroup) != 0)
        {
            n = ReadAt(dirFd, "cgroup\0"u8, ref buffer, FileMaxBytes);
            if (n < 0) { if (Gone(-n)) return false; }
            else if (ProcCgroupParser.TryFindMemoryPath(buffer.AsSpan(0, n), MemoryOn, out var path)) cgroupPath = strings.Get(path);
        }

        if (!kernelThread && (what & ProcessReadOptions.CommandLine) != 0)
        {
            n = ReadAt(dirFd, "cmdline\0"u8, ref cmdlineBuffer, CmdlineMaxBytes);
            if (n < 0) { if (Gone(-n)) return false; }
            else cmdline = CommandLine(cmdlineBuffer.AsSpan(0, n));
        }

        if (!kernelThread && (what & ProcessReadOptions.Exe) != 0)
        {
            fixed (byte* target = buffer)
            fixed (byte* name = "exe\0"u8)
            {
                nint length = FileSystemInterop.ReadLinkAt(dirFd, name, target, (nuint)buffer.Length);
                // ENOENT here is a zombie or a kernel thread, EACCES another user's process when not root: exe stays
                // null, and a rule with an exe key does not match it. A target that fills the buffer may be cut (the
                // kernel's own limit is a page): counted, left null.
                if (length >= buffer.Length) TruncatedReads++;
                else if (length >= 0) exe = strings.Get(new ReadOnlySpan<byte>(target, (int)length));
            }
        }

        sample = new ProcessSample
        {
            Pid = pid,
            ParentPid = stat.ParentPid,
            StartTimeTicks = stat.StartTimeTicks,
            Comm = comm,
            ExePath = exe,
            CommandLine = cmdline,
            Uid = uid,
            OomScoreAdj = oomScoreAdj,
            OomScoreAdjUnreadable = oomScoreAdjUnreadable,
            KernelOomScore = oomScore,
            MemsAllowedMask = mems,
            RssBytes = rss,
            SwapBytes = swap,
            PageTablesBytes = pageTables,
            CgroupPath = cgroupPath,
            IsKernelThread = kernelThread,
            Exiting = exiting,
        };
        LastError = null;
        return true;
    }

    /// <summary>NULs → spaces, trailing NULs and spaces dropped; null when empty (kernel threads, zombies).</summary>
    private string? CommandLine(ReadOnlySpan<byte> raw)
    {
        int end = raw.Length;
        while (end > 0 && raw[end - 1] == 0) end--;
        if (end == 0) return null;
        var text = cmdlineBuffer.AsSpan(0, end);
        text.Replace((byte)0, (byte)' ');
        return strings.Get(text);
    }

    private int OpenPidDirectory(int pid)
    {
        if (pid <= 0) return -Errno.ENOENT;
        Span<byte> name = stackalloc byte[16];
        int length = FormatPid(pid, name);
        name[length] = 0;
        int fd = NativeRead.OpenAt(Fd(procDirectory), name[..(length + 1)], OpenFlags.ReadDirectory);
        if (fd < 0 && !Errno.MeansGone(-fd)) LastError = Errno.Describe(-fd, "openat", $"{ProcRoot}/{pid}");
        return fd;
    }

    /// <summary>Files that went on past their cap (command lines longer than 64 KiB, which keep their first
    /// 64 KiB; anything else longer than 1 MiB) since the reader was made.</summary>
    public long TruncatedReads { get; private set; }

    /// <summary>Reads a file of the pid directory to its end (every read, whatever the file, loops until pread
    /// returns 0); a file cut at <paramref name="maxBytes"/> is counted in <see cref="TruncatedReads"/>.</summary>
    private int ReadAt(int dirFd, ReadOnlySpan<byte> nulTerminatedName, ref byte[] destination, int maxBytes)
    {
        int n = NativeRead.ReadFileAt(dirFd, nulTerminatedName, ref destination, maxBytes, out bool truncated);
        if (truncated) TruncatedReads++;
        return n;
    }

    private bool Fail(int errno, int pid, string file)
    {
        if (!Errno.MeansGone(errno)) LastError = Errno.Describe(errno, "read", $"{ProcRoot}/{pid}/{file}");
        return false;
    }

    /// <summary>An optional file could not be read: true (stop, the process is gone) for ENOENT/ESRCH, false
    /// (carry on without it) for EACCES and the like.</summary>
    private static bool Gone(int errno) => Errno.MeansGone(errno);

    private static int FormatPid(int pid, Span<byte> destination)
    {
        System.Buffers.Text.Utf8Formatter.TryFormat(pid, destination, out int written);
        return written;
    }

    private static int Fd(SafeFileHandle handle) => (int)handle.DangerousGetHandle();

    public void Dispose() => procDirectory.Dispose();
}
