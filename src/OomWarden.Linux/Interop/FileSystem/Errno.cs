using System.Runtime.InteropServices;

namespace OomWarden.Linux.Interop.FileSystem;

/// <summary>The errno values the readers tell apart, and a message for the others.</summary>
internal static class Errno
{
    public const int EPERM = 1;
    public const int ENOENT = 2;
    public const int ESRCH = 3;
    public const int EINTR = 4;
    public const int EACCES = 13;
    public const int ENODEV = 19;
    public const int ENOTDIR = 20;
    public const int EINVAL = 22;
    public const int EMFILE = 24;
    public const int EOPNOTSUPP = 95;

    /// <summary>The object is gone: a pid that exited or a cgroup that was removed. An expected race, not an error.</summary>
    public static bool MeansGone(int errno) => errno is ENOENT or ESRCH or ENODEV or ENOTDIR;

    /// <summary>"openat /proc/12/stat: EMFILE (Too many open files): the RLIMIT_NOFILE limit is reached".</summary>
    public static string Describe(int errno, string operation, string path)
    {
        var hint = errno switch
        {
            EMFILE => ": the RLIMIT_NOFILE limit is reached",
            EACCES or EPERM => ": permission denied (run as root or with CAP_SYS_PTRACE / CAP_DAC_READ_SEARCH)",
            EOPNOTSUPP => ": not supported by this kernel (PSI needs CONFIG_PSI and psi=1)",
            _ => "",
        };
        return $"{operation} {path}: errno {errno} ({Marshal.GetPInvokeErrorMessage(errno)}){hint}";
    }
}
