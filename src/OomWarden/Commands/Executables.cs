namespace OomWarden.Commands;

/// <summary>The two executables (docs/DESIGN.md, "A daemon-only executable"): <c>oomwarden</c>, every verb, and
/// <c>oomwardend</c>, the daemon alone, which <c>oomwarden run</c> execs (same pid, same arguments). Each finds the
/// other next to its own real path (bin/ in the build, the container image), then in the installed layout:
/// <c>SBINDIR/oomwarden</c> and <c>SBINDIR/../lib/oomwarden/oomwardend</c> (/usr/sbin and /usr/lib/oomwarden).</summary>
public static class Executables
{
    public const string CliName = "oomwarden";
    public const string DaemonName = "oomwardend";

    /// <summary>Where <c>run</c> looks for the daemon executable, given the CLI's real path, in order.</summary>
    public static string[] DaemonCandidates(string cliPath)
    {
        string dir = Path.GetDirectoryName(cliPath) ?? "/";
        return [Path.Combine(dir, DaemonName), Path.GetFullPath(Path.Combine(dir, "..", "lib", "oomwarden", DaemonName))];
    }

    /// <summary>Where the daemon looks for the CLI, given its own real path, in order (after its argv[0]).</summary>
    public static string[] CliCandidates(string daemonPath)
    {
        string dir = Path.GetDirectoryName(daemonPath) ?? "/";
        return [Path.Combine(dir, CliName), Path.GetFullPath(Path.Combine(dir, "..", "..", "sbin", CliName))];
    }

    /// <summary>The executable with every verb, for what the daemon starts (<c>notify-desktop</c>, <c>oom-guard</c>):
    /// the daemon executable does not carry them. Null when it cannot be found.</summary>
    public static string? Full()
    {
#if DAEMON_ONLY
        // oomwarden run passes its own real path as argv[0]; a daemon started some other way looks beside itself.
        if (ArgumentZero() is { } zero && Path.IsPathRooted(zero) && zero != Environment.ProcessPath && IsFile(zero)) return zero;
        if (Environment.ProcessPath is not { } self) return null;
        foreach (string c in CliCandidates(self))
            if (IsFile(c)) return c;
        return null;
#else
        return Environment.ProcessPath;
#endif
    }

    internal static bool IsFile(string path)
    {
        try
        {
            return File.Exists(path) && !Directory.Exists(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

#if DAEMON_ONLY
    /// <summary>argv[0] as the kernel has it (/proc/self/cmdline up to the first NUL).</summary>
    private static string? ArgumentZero()
    {
        try
        {
            byte[] cmdline = File.ReadAllBytes("/proc/self/cmdline");
            int end = Array.IndexOf(cmdline, (byte)0);
            return end <= 0 ? null : System.Text.Encoding.UTF8.GetString(cmdline, 0, end);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
#endif
}
