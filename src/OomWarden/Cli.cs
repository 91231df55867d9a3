using OomWarden.Commands;

namespace OomWarden;

/// <summary>The verb table: one line per verb, no reflection (NativeAOT). Exit codes follow sysexits(3).</summary>
public static class Cli
{

    /// <param name="Hidden">Not listed in the usage (started by the daemon itself: oom-guard).</param>
    private sealed record Verb(string Name, string Summary, Func<string[], TextReader, TextWriter, TextWriter, int> Run, bool Hidden = false);

#if DAEMON_ONLY
    // oomwardend: the daemon alone (docs/DESIGN.md, "A daemon-only executable"); `oomwarden run` execs it.
    private static readonly Verb[] Verbs =
    [
        new("run", "run the daemon in the foreground", (a, i, o, e) => RunCommand.Run(a, o, e)),
    ];
#else
    private static readonly Verb[] Verbs =
    [
        new("run", "run the daemon in the foreground", (a, i, o, e) => RunCommand.Run(a, o, e)),
        new("check-config", "validate a config file and print the compiled rule table", (a, i, o, e) => CheckConfigCommand.Run(a, o, e)),
        new("explain", "the ranked tree now and the victim the daemon would choose", (a, i, o, e) => ExplainCommand.Run(a, o, e)),
        new("snapshot", "record what the selector needs into a file", (a, i, o, e) => SnapshotCommand.Run(a, o, e)),
        new("simulate", "replay the decision on a snapshot with a (new) config", (a, i, o, e) => SimulateCommand.Run(a, o, e)),
        new("analyze", "read kernel OOM reports (dmesg, journal, syslog) and say why", (a, i, o, e) => AnalyzeCommand.Run(a, i, o, e)),
        new("doctor", "check the host for what changes how an OOM plays out, with fixes", (a, i, o, e) => DoctorCommand.Run(a, o, e)),
        new("import", "print the oomwarden config equivalent to an earlyoom command line", (a, i, o, e) => ImportCommand.Run(a, o, e)),
        new("status", "ask the running daemon what it is doing (control socket)", (a, i, o, e) => ControlCommands.Status(a, o, e)),
        new("reload", "have the running daemon re-read its config (as SIGHUP)", (a, i, o, e) => ControlCommands.Reload(a, o, e)),
        new("pause", "the running daemon keeps watching but stops acting", (a, i, o, e) => ControlCommands.Pause(a, o, e)),
        new("resume", "the paused daemon acts again", (a, i, o, e) => ControlCommands.Resume(a, o, e)),
        new("restore-oom-settings", "put back the cgroup settings oom_delay changed (ExecStopPost=)", (a, i, o, e) => RestoreOomSettingsCommand.Run(a, o, e)),
        new("oom-guard", "the oom_delay guard the daemon starts", (a, i, o, e) => OomGuardCommand.Run(a, o, e), Hidden: true),
        new("bench", "micro-benchmarks of the monitoring path (poll, tick)", (a, i, o, e) => BenchCommand.Run(a, o, e)),
        new("notify-desktop", "(internal) show a kill on a user's session bus; run by the daemon", (a, i, o, e) => NotifyDesktopCommand.Run(a, o, e)),
        new("version", "print the version", (a, i, o, e) => VersionVerb(a, o, e)),
    ];
#endif

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr) => Run(args, Console.In, stdout, stderr);

    public static int Run(string[] args, TextReader stdin, TextWriter stdout, TextWriter stderr)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
        {
            Usage(args.Length == 0 ? stderr : stdout);
            return args.Length == 0 ? ExitCodes.Usage : ExitCodes.Ok;
        }
        if (args[0] is "--version") return args.Length == 1 ? Version(stdout) : ArgReader.UsageError("version", $"unexpected argument '{args[1]}'", VersionUsage, stderr);
        foreach (var verb in Verbs)
        {
            if (verb.Name != args[0]) continue;
            try
            {
                return verb.Run(args[1..], stdin, stdout, stderr);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // An I/O failure no verb expected (a file of the host that fails to read): the C library's words for
                // it, never the exception's Message (a resource key in the NativeAOT binary).
                stderr.WriteLine($"oomwarden {verb.Name}: I/O error: {OsErrors.Describe(e)}");
                return ExitCodes.IoError;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // Never a stack trace, nor the exception's name or Message (a resource key in the NativeAOT binary):
                // one line saying it is a bug.
                stderr.WriteLine($"oomwarden {verb.Name}: internal error (a bug in oomwarden: please report it with the command line)");
                return ExitCodes.Software;
            }
        }
        stderr.WriteLine($"oomwarden: unknown verb '{ArgReader.Shown(args[0])}'");
        Usage(stderr);
        return ExitCodes.Usage;
    }

    private static void Usage(TextWriter w)
    {
        w.WriteLine("usage: oomwarden VERB [OPTIONS]");
        w.WriteLine();
        foreach (var v in Verbs)
            if (!v.Hidden) w.WriteLine($"  {v.Name,-20} {v.Summary}");
        w.WriteLine();
        w.WriteLine("'oomwarden VERB --help' describes a verb's options.");
    }

    private const string VersionUsage = "usage: oomwarden version";

    private static int VersionVerb(string[] args, TextWriter o, TextWriter e)
    {
        if (!ArgReader.TryParse("version", args, [], VersionUsage, o, e, out var parsed, out int exit)) return exit;
        if (parsed.Positionals.Count > 0) return ArgReader.UsageError("version", $"unexpected argument '{parsed.Positionals[0]}'", VersionUsage, e);
        return Version(o);
    }

    private static int Version(TextWriter o)
    {
        o.WriteLine("oomwarden " + (typeof(Cli).Assembly.GetName().Version?.ToString(3) ?? "0.0.0"));
        return ExitCodes.Ok;
    }
}
