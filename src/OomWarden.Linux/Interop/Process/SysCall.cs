using System.Runtime.InteropServices;

namespace OomWarden.Linux.Interop.Process;

/// <summary>syscall(2) for calls glibc 2.36 has no wrapper for. The numbers are the same on every
/// architecture for these recent calls (unified syscall table since 5.1).</summary>
internal static partial class SysCall
{
    public const long PidfdSendSignal = 424;
    public const long PidfdOpen = 434;
    public const long ProcessMrelease = 448;

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    public static partial long Invoke(long number, long arg1, long arg2, long arg3, long arg4);
}
