#if !DAEMON_ONLY
using OomWarden.Linux.Interop;
using OomWarden.Linux.Interop.Process;

namespace OomWarden.Commands;

/// <summary><c>oomwarden run</c> in the executable with every verb: becomes <c>oomwardend</c> (execv: same pid,
/// same arguments, argv[0] this executable's real path, so the daemon finds it again for what it starts). Called
/// by <see cref="Program.Main"/> before anything touches the console (docs/DESIGN.md, "A daemon-only executable").</summary>
public static class DaemonExec
{
    public static int Run(string[] args, Func<TextWriter> stderr)
    {
        string? self = Environment.ProcessPath;
        if (self is null)
        {
            stderr().WriteLine("oomwarden run: cannot find the daemon executable: this executable's own path is unknown (/proc not mounted?)");
            return ExitCodes.OsError;
        }
        string[] candidates = Executables.DaemonCandidates(self);
        string? daemon = Array.Find(candidates, Executables.IsFile);
        if (daemon is null)
        {
            stderr().WriteLine($"oomwarden run: the daemon executable {Executables.DaemonName} is missing (looked for {string.Join(" and ", candidates)}); reinstall oomwarden");
            return ExitCodes.Unavailable;
        }
        string[] argv = new string[args.Length + 1];
        argv[0] = self;
        args.CopyTo(argv, 1);
        int errno = Exec.Replace(daemon, argv);
        stderr().WriteLine($"oomwarden run: cannot execute {daemon}: {Errno.Describe(errno)}");
        return ExitCodes.Unavailable;
    }
}
#endif
