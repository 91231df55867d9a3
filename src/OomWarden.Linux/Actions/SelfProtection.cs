using OomWarden.Linux.Interop.Process;
using OomWarden.Linux.Interop;

namespace OomWarden.Linux.Actions;

/// <summary>mlockall and oom_score_adj −1000 for the daemon itself. Each failure is one warning naming
/// the limit involved; the daemon goes on without it.</summary>
/// <remarks>Always the real process in the real procfs (<see cref="HostPaths.Default"/>, by pid): a --proc-root
/// tree is only read, and protecting a fixture's "self" would leave the running daemon unprotected.</remarks>
public static class SelfProtection
{
    /// <summary>The file written: /proc/PID/oom_score_adj of this process on the real procfs.</summary>
    public static string OomScoreAdjPath => HostPaths.Default.ProcPid(Environment.ProcessId) + "/oom_score_adj";

    public static IReadOnlyList<string> Apply(bool lockMemory)
    {
        var warnings = new List<string>();
        if (lockMemory && Mlock.TryLockAll() is { } mlockError) warnings.Add(mlockError);
        if (!RawFile.TryWriteFile(OomScoreAdjPath, "-1000"u8, out int errno))
        {
            warnings.Add(errno is Errno.EACCES or Errno.EPERM
                ? $"cannot set own oom_score_adj ({OomScoreAdjPath}) to -1000: {Errno.Describe(errno)}: lowering it needs CAP_SYS_RESOURCE; the kernel may kill oomwarden"
                : $"cannot set own oom_score_adj ({OomScoreAdjPath}) to -1000: {Errno.Describe(errno)}");
        }
        return warnings;
    }
}
