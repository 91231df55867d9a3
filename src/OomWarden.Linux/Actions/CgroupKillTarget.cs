using OomWarden.Linux.Interop;
using OomWarden.Linux.Interop.FileSystem;
using OomWarden.Linux.Interop.Process;
using OomWarden.Linux.IO;
using OomWarden.Linux.Parsing;

namespace OomWarden.Linux.Actions;

/// <summary>The cgroup a kill decision named, held as a directory fd opened when the decision was taken. Every
/// file the killer touches (cgroup.procs, cgroup.kill, cgroup.events) is opened with openat() through it, so a
/// cgroup removed and re-created under the same name is never the one listed or killed: the old directory's
/// files are gone (ENOENT/ENODEV) and the new cgroup is another directory.</summary>
public sealed class CgroupKillTarget : IDisposable
{
    private int _dirFd;

    private CgroupKillTarget(int dirFd, string cgroupPath, string directory, CgroupVersion version)
    {
        _dirFd = dirFd;
        CgroupPath = cgroupPath;
        Directory = directory;
        Version = version;
    }

    /// <summary>The memory-hierarchy path ("/batch.slice/job-1").</summary>
    public string CgroupPath { get; }

    /// <summary>The cgroupfs directory it was opened from.</summary>
    public string Directory { get; }

    public CgroupVersion Version { get; }

    /// <summary>Opens <paramref name="directory"/>; null with errno (ENOENT: the cgroup is gone).</summary>
    public static CgroupKillTarget? TryOpen(string cgroupPath, string directory, CgroupVersion version, out int errno)
    {
        int fd = NativeRead.Open(directory, OpenFlags.ReadDirectory);
        if (fd < 0)
        {
            errno = -fd;
            return null;
        }
        errno = 0;
        return new CgroupKillTarget(fd, cgroupPath, directory, version);
    }

    /// <summary>Appends the pids of this cgroup's cgroup.procs (read to its end) to <paramref name="pids"/>.
    /// 0, or −errno (ENOENT/ENODEV once the cgroup was removed).</summary>
    internal int ListPids(List<int> pids, ref byte[] buffer, out bool truncated)
    {
        int n = NativeRead.ReadFileAt(_dirFd, "cgroup.procs\0"u8, ref buffer, NativeRead.MaxBytes, out truncated);
        if (n < 0) return n;
        int end = truncated ? buffer.AsSpan(0, n).LastIndexOf((byte)'\n') + 1 : n;
        return PidListParser.TryParse(buffer.AsSpan(0, end), pids) ? 0 : -Errno.EINVAL;
    }

    /// <summary>v2: cgroup.events says "populated 1" (a process in this cgroup or below). False when unreadable.</summary>
    internal bool TryReadPopulated(ref byte[] buffer, out bool populated)
    {
        populated = false;
        int n = NativeRead.ReadFileAt(_dirFd, "cgroup.events\0"u8, ref buffer, NativeRead.MaxBytes, out _);
        if (n < 0) return false;
        var text = buffer.AsSpan(0, n);
        int at = text.IndexOf("populated "u8);
        if (at < 0) return false;
        populated = at + 10 < text.Length && text[at + 10] == (byte)'1';
        return true;
    }

    /// <summary>v2 (5.14+): writes "1" to cgroup.kill through the directory fd. False with errno (ENOENT: no
    /// cgroup.kill on this kernel, or the cgroup is gone).</summary>
    internal bool TryWriteKill(out int errno)
    {
        int fd = NativeRead.OpenAt(_dirFd, "cgroup.kill\0"u8, RawFile.OWrOnly | RawFile.OCloexec);
        if (fd < 0)
        {
            errno = -fd;
            return false;
        }
        try
        {
            return RawFile.TryWrite(fd, "1"u8, out errno);
        }
        finally
        {
            FileSystemInterop.Close(fd);
        }
    }

    public void Dispose()
    {
        int fd = Interlocked.Exchange(ref _dirFd, -1);
        if (fd >= 0) FileSystemInterop.Close(fd);
    }

    public override string ToString() => CgroupPath;
}
