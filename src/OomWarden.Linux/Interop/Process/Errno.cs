namespace OomWarden.Linux.Interop.Process;

/// <summary>errno values the actions care about (asm-generic).</summary>
public static class Errno
{
    public const int EPERM = 1;
    public const int ENOENT = 2;
    public const int ESRCH = 3;
    public const int EINTR = 4;
    public const int EAGAIN = 11;
    public const int ENOMEM = 12;
    public const int EACCES = 13;
    public const int EINVAL = 22;
    public const int ENOSYS = 38;

    public static string Describe(int errno) => errno switch
    {
        EPERM => "EPERM (operation not permitted)",
        ENOENT => "ENOENT (no such file or directory)",
        ESRCH => "ESRCH (no such process)",
        EINTR => "EINTR (interrupted)",
        EAGAIN => "EAGAIN (resource temporarily unavailable)",
        ENOMEM => "ENOMEM (out of memory)",
        EACCES => "EACCES (permission denied)",
        EINVAL => "EINVAL (invalid argument)",
        ENOSYS => "ENOSYS (not implemented by this kernel)",
        _ => $"errno {errno}",
    };
}
