namespace OomWarden;

/// <summary>The verb table: one line per verb, no reflection (NativeAOT). Exit codes follow sysexits(3).</summary>
public static class Cli
{
    public const int ExitOk = 0;
    public const int ExitFailure = 1;
    public const int ExitUsage = 64;     // EX_USAGE
    public const int ExitDataErr = 65;   // EX_DATAERR
    public const int ExitNoInput = 66;   // EX_NOINPUT
    public const int ExitSoftware = 70;  // EX_SOFTWARE
    public const int ExitOsErr = 71;     // EX_OSERR
    public const int ExitCantCreate = 73; // EX_CANTCREAT
    public const int ExitNoPerm = 77;    // EX_NOPERM
    public const int ExitConfig = 78;    // EX_CONFIG

    private sealed record Verb(string Name, string Summary, Func<string[], TextReader, TextWriter, TextWriter, int> Run);

    private static readonly Verb[] Verbs =
    [
        new("run", "run the daemon (foreground)", (a, i, o, e) => Commands.RunCommand.Run(a, o, e)),
        new("bench", "micro-benchmarks of the monitoring path", (a, i, o, e) => Commands.BenchCommand.Run(a, o, e)),
        new("version", "print the version", (a, i, o, e) => Version(o)),
    ];

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr) => Run(args, Console.In, stdout, stderr);

    public static int Run(string[] args, TextReader stdin, TextWriter stdout, TextWriter stderr)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
        {
            Usage(args.Length == 0 ? stderr : stdout);
            return args.Length == 0 ? ExitUsage : ExitOk;
        }
        if (args[0] is "--version") return Version(stdout);
        foreach (var verb in Verbs)
        {
            if (verb.Name != args[0]) continue;
            try
            {
                return verb.Run(args[1..], stdin, stdout, stderr);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // Never a stack trace: one line saying what failed.
                stderr.WriteLine($"oomwarden {verb.Name}: internal error: {e.GetType().Name}: {e.Message}");
                return ExitSoftware;
            }
        }
        stderr.WriteLine($"oomwarden: unknown verb '{args[0]}'");
        Usage(stderr);
        return ExitUsage;
    }

    private static void Usage(TextWriter w)
    {
        w.WriteLine("usage: oomwarden VERB [OPTIONS]");
        w.WriteLine();
        foreach (var v in Verbs) w.WriteLine($"  {v.Name,-13} {v.Summary}");
        w.WriteLine();
        w.WriteLine("'oomwarden VERB --help' describes a verb's options.");
    }

    private static int Version(TextWriter o)
    {
        o.WriteLine("oomwarden " + (typeof(Cli).Assembly.GetName().Version?.ToString(3) ?? "0.0.0"));
        return ExitOk;
    }
}
