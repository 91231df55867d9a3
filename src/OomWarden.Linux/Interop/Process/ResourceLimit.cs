using System.Runtime.InteropServices;

namespace OomWarden.Linux.Interop.Process;

/// <summary>getrlimit/setrlimit for RLIMIT_NOFILE: the cgroup killer holds one pidfd per task it stops, so the
/// daemon raises its soft open-file limit to the hard one at start (systemd's default soft limit is 1024).</summary>
public static partial class ResourceLimit
{
    private const int RlimitNofile = 7; // asm-generic and x86

    [StructLayout(LayoutKind.Sequential)]
    private struct RLimit
    {
        public ulong Current;
        public ulong Maximum;
    }

    [LibraryImport("libc", EntryPoint = "getrlimit", SetLastError = true)]
    private static partial int GetRLimit(int resource, out RLimit limit);

    [LibraryImport("libc", EntryPoint = "setrlimit", SetLastError = true)]
    private static partial int SetRLimit(int resource, in RLimit limit);

    /// <summary>The soft RLIMIT_NOFILE now (ulong.MaxValue for unlimited); 0 when it cannot be read.</summary>
    public static ulong OpenFilesSoftLimit => GetRLimit(RlimitNofile, out var l) == 0 ? l.Current : 0;

    /// <summary>The hard RLIMIT_NOFILE; 0 when it cannot be read.</summary>
    public static ulong OpenFilesHardLimit => GetRLimit(RlimitNofile, out var l) == 0 ? l.Maximum : 0;

    /// <summary>Sets the soft RLIMIT_NOFILE (tests lower it to see it raised again).</summary>
    internal static bool TrySetOpenFilesSoftLimit(ulong soft) =>
        GetRLimit(RlimitNofile, out var l) == 0 && SetRLimit(RlimitNofile, l with { Current = soft }) == 0;

    /// <summary>Raises the soft RLIMIT_NOFILE to the hard limit. Null on success (or when already there), else a
    /// warning naming the limit.</summary>
    public static string? RaiseOpenFilesToHardLimit()
    {
        if (GetRLimit(RlimitNofile, out var limit) != 0)
            return $"getrlimit(RLIMIT_NOFILE): {Errno.Describe(Marshal.GetLastSystemError())}";
        if (limit.Current >= limit.Maximum) return null;
        var raised = limit with { Current = limit.Maximum };
        if (SetRLimit(RlimitNofile, raised) != 0)
            return $"cannot raise the soft RLIMIT_NOFILE from {limit.Current} to {limit.Maximum}: {Errno.Describe(Marshal.GetLastSystemError())}; "
                + "killing a cgroup of more processes than that reports the rest as survivors";
        return null;
    }
}
