using System.Buffers.Text;
using System.Diagnostics;
using OomWarden.Core.Levels;
using OomWarden.Linux.Interop;
using OomWarden.Linux.Interop.FileSystem;
using OomWarden.Linux.Interop.Process;
using OomWarden.Linux.IO;
using OomWarden.Linux.Parsing;

namespace OomWarden.Linux.Actions;

/// <summary>One <c>memory.reclaim</c> step on a cgroup v2 directory: memory.current and memory.pressure before, the
/// write (the kernel reclaims in the writer's context, which can take long: never call this on the loop), then
/// both again. Every file is opened with openat() through one directory fd opened with O_NOFOLLOW, memory.reclaim
/// itself with O_NOFOLLOW and only written when it lies on cgroupfs. Errors are results, not exceptions: EAGAIN
/// (the kernel could not reclaim the whole amount) is <see cref="ReclaimResult.Partial"/>, ENOENT/ENODEV (the cgroup
/// is gone) <see cref="ReclaimResult.Gone"/>.</summary>
/// <remarks>Owns its buffer: one instance per thread.</remarks>
public sealed class CgroupReclaimer
{
    private byte[] _buffer = new byte[512];

    /// <summary>Carries out <paramref name="step"/> on <paramref name="directory"/> (its cgroupfs directory) and
    /// fills in its result and measurements.</summary>
    public void Run(ReclaimStep step, string directory)
    {
        int dirFd = NativeRead.Open(directory, OpenFlags.ReadDirectory | OpenFlags.NoFollow);
        if (dirFd < 0)
        {
            Fail(step, -dirFd, "open", directory);
            return;
        }
        try
        {
            step.UsageBeforeBytes = TryReadCurrent(dirFd, out long before) ? before : 0;
            step.PsiBefore = TryReadSomeAvg10(dirFd, out double psi) ? psi : null;
            if (step.PsiBefore >= step.StopPsiSomeAvg10)
            {
                step.Result = ReclaimResult.Pressure;
                return;
            }
            var clock = Stopwatch.StartNew();
            int errno = Write(dirFd, step.RequestedBytes);
            step.Duration = clock.Elapsed;
            step.Result = errno switch
            {
                0 => ReclaimResult.Ok,
                Errno.EAGAIN or Errno.EINTR => ReclaimResult.Partial,
                _ when Errno.MeansGone(errno) => ReclaimResult.Gone,
                _ => ReclaimResult.Failed,
            };
            if (step.Result == ReclaimResult.Failed) step.Error = errno < 0 ? directory + "/memory.reclaim is not on cgroupfs; not writing to it" : Errno.Describe(errno, "write", directory + "/memory.reclaim");
            if (step.Result is ReclaimResult.Ok or ReclaimResult.Partial)
            {
                step.UsageAfterBytes = TryReadCurrent(dirFd, out long after) ? after : step.UsageBeforeBytes;
                step.PsiAfter = TryReadSomeAvg10(dirFd, out double psiAfter) ? psiAfter : null;
            }
        }
        finally
        {
            FileSystemInterop.Close(dirFd);
        }
    }

    /// <summary>0, an errno, or −1 when the file is not a kernel file.</summary>
    private static int Write(int dirFd, long bytes)
    {
        int fd = NativeRead.OpenAt(dirFd, "memory.reclaim\0"u8, RawFile.OWrOnly | RawFile.OCloexec | OpenFlags.NoFollow);
        if (fd < 0) return -fd;
        try
        {
            if (!ControlFile.IsKernelFile(fd)) return -1;
            Span<byte> text = stackalloc byte[24];
            Utf8Formatter.TryFormat(bytes, text, out int n);
            return RawFile.TryWrite(fd, text[..n], out int errno) ? 0 : errno;
        }
        finally
        {
            FileSystemInterop.Close(fd);
        }
    }

    private bool TryReadCurrent(int dirFd, out long bytes)
    {
        bytes = 0;
        int n = NativeRead.ReadFileAt(dirFd, "memory.current\0"u8, ref _buffer, 64, out _);
        return n > 0 && CgroupValueParser.TryParse(_buffer.AsSpan(0, n), out bytes);
    }

    private bool TryReadSomeAvg10(int dirFd, out double avg10)
    {
        avg10 = 0;
        int n = NativeRead.ReadFileAt(dirFd, "memory.pressure\0"u8, ref _buffer, 512, out _);
        if (n <= 0 || !PressureParser.TryParse(_buffer.AsSpan(0, n), out var stats)) return false;
        avg10 = stats.Some.Avg10;
        return true;
    }

    private static void Fail(ReclaimStep step, int errno, string op, string path)
    {
        // ENOTDIR here is a symlink refused by O_NOFOLLOW (with O_DIRECTORY), not a cgroup removed (ENOENT).
        if (Errno.MeansGone(errno) && errno != Errno.ENOTDIR)
        {
            step.Result = ReclaimResult.Gone;
            return;
        }
        step.Result = ReclaimResult.Failed;
        step.Error = Errno.Describe(errno, op, path);
    }
}
