using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;
using OomWarden.Linux.Interop;
using OomWarden.Linux.Interop.FileSystem;
using OomWarden.Linux.Interop.Process;

namespace OomWarden.Linux.IO;

/// <summary>Kernel control files the daemon writes (a PSI trigger, cgroup.event_control): written only when the
/// open descriptor lies on procfs, sysfs or a cgroup file system. A fixture tree given with --proc-root or
/// --sys-root is plain files: it is read, never written.</summary>
public static class ControlFile
{
    private const long ProcSuperMagic = 0x9fa0;
    private const long SysfsMagic = 0x62656572;
    private const long CgroupSuperMagic = 0x27e0eb;
    private const long Cgroup2SuperMagic = 0x63677270;

    /// <summary>Opens <paramref name="path"/> (O_CLOEXEC added); false with the reason when it cannot be opened
    /// or is not a kernel file.</summary>
    public static bool TryOpen(string path, int flags, out int fd, [NotNullWhen(false)] out string? error)
    {
        if (!RawFile.TryOpen(path, flags, out fd, out int errno))
        {
            error = Errno.Describe(errno, "open", path);
            return false;
        }
        if (!IsKernelFile(fd))
        {
            RawFile.Close(fd);
            fd = -1;
            error = $"{path} is not on procfs, sysfs or cgroupfs; not writing to it";
            return false;
        }
        error = null;
        return true;
    }

    /// <summary>Opens write-only, checks, writes once, closes.</summary>
    public static bool TryWriteFile(string path, ReadOnlySpan<byte> data, [NotNullWhen(false)] out string? error)
    {
        if (!TryOpen(path, RawFile.OWrOnly, out int fd, out error)) return false;
        try
        {
            if (RawFile.TryWrite(fd, data, out int errno)) return true;
            error = Errno.Describe(errno, "write", path);
            return false;
        }
        finally
        {
            RawFile.Close(fd);
        }
    }

    /// <summary>True when <paramref name="fd"/> is on procfs, sysfs, cgroup or cgroup2.</summary>
    public static bool IsKernelFile(int fd) =>
        TryGetFileSystemType(fd, out long type, out _) && type is ProcSuperMagic or SysfsMagic or CgroupSuperMagic or Cgroup2SuperMagic;

    /// <summary>fstatfs(2)'s f_type of an open descriptor (false with errno when the call fails).</summary>
    public static unsafe bool TryGetFileSystemType(int fd, out long type, out int errno)
    {
        byte* buffer = stackalloc byte[256];
        int r = FileSystemInterop.FStatFs(fd, buffer);
        errno = r == 0 ? 0 : System.Runtime.InteropServices.Marshal.GetLastSystemError();
        type = r == 0 ? *(long*)buffer : 0;
        return r == 0;
    }
}
