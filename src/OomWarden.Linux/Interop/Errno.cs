using System.Runtime.InteropServices;

namespace OomWarden.Linux.Interop;

/// <summary>errno values the readers and actions tell apart (asm-generic), and messages that name the limit
/// involved.</summary>
public static class Errno
{
    public const int EPERM = 1;
    public const int ENOENT = 2;
    public const int ESRCH = 3;
    public const int EINTR = 4;
    public const int EIO = 5;
    public const int EAGAIN = 11;
    public const int ENOMEM = 12;
    public const int EACCES = 13;
    public const int ENODEV = 19;
    public const int ENOTDIR = 20;
    public const int EINVAL = 22;
    public const int ENFILE = 23;
    public const int EMFILE = 24;
    public const int EFBIG = 27;
    public const int EPIPE = 32;
    public const int ENOSYS = 38;
    public const int EOPNOTSUPP = 95;

    /// <summary>The object is gone: a pid that exited or a cgroup that was removed. An expected race, not an error.</summary>
    public static bool MeansGone(int errno) => errno is ENOENT or ESRCH or ENODEV or ENOTDIR;

    /// <summary>The C library's text for an errno ("Permission denied"), as strerror(3) says it.</summary>
    public static string Strerror(int errno) => Marshal.GetPInvokeErrorMessage(errno);

    /// <summary>"ESRCH (No such process)": the symbol and the C library's text.</summary>
    public static string Describe(int errno) => Symbol(errno) is { } name
        ? $"{name} ({Strerror(errno)})"
        : $"errno {errno} ({Strerror(errno)})";

    /// <summary>"openat /proc/12/stat: errno 24 (Too many open files): the RLIMIT_NOFILE limit is reached".</summary>
    public static string Describe(int errno, string operation, string path)
    {
        var hint = errno switch
        {
            EMFILE => ": the RLIMIT_NOFILE limit is reached",
            ENFILE => ": the system-wide limit on open files (fs.file-max) is reached",
            EACCES or EPERM => ": permission denied (run as root or with CAP_SYS_PTRACE / CAP_DAC_READ_SEARCH)",
            EOPNOTSUPP => ": not supported by this kernel (PSI needs CONFIG_PSI and psi=1)",
            _ => "",
        };
        return $"{operation} {path}: errno {errno} ({Strerror(errno)}){hint}";
    }

    private static string? Symbol(int errno) => errno switch
    {
        EPERM => "EPERM",
        ENOENT => "ENOENT",
        ESRCH => "ESRCH",
        EINTR => "EINTR",
        EIO => "EIO",
        EAGAIN => "EAGAIN",
        ENOMEM => "ENOMEM",
        EACCES => "EACCES",
        ENODEV => "ENODEV",
        ENOTDIR => "ENOTDIR",
        EINVAL => "EINVAL",
        ENFILE => "ENFILE",
        EMFILE => "EMFILE",
        EFBIG => "EFBIG",
        EPIPE => "EPIPE",
        ENOSYS => "ENOSYS",
        EOPNOTSUPP => "EOPNOTSUPP",
        _ => null,
    };
}
