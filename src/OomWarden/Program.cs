namespace OomWarden;

public static class Program
{
    public static int Main(string[] args)
    {
#if DAEMON_ONLY
        // First, while the daemon is one thread: its data section becomes file-backed, so that the working-set trim
        // can give back the pages it never reads (docs/DESIGN.md, "The data section, file-backed").
        if (Environment.GetEnvironmentVariable(Commands.StartupFootprint.NoTrimVariable) is null)
            Linux.Actions.DataSectionRemap.Current = Linux.Actions.DataSectionRemap.TryApply(
                Linux.HostPaths.Default.Proc("self/exe"), Linux.Actions.DataSectionRemap.DefaultDirectories, ".hydrated"u8);
#endif
        StandardDescriptors.FillClosedOutputs();
#if !DAEMON_ONLY
        // The daemon is its own executable, oomwardend (docs/DESIGN.md, "A daemon-only executable"): exec it before
        // anything touches the console. Cli.Run's `run` (tests, in-process) stays the daemon's own code.
        if (args.Length > 0 && args[0] == "run") return Commands.DaemonExec.Run(args, () => StandardWriter(() => Console.Error, Console.SetError));
#endif
        return Cli.Run(args, StandardWriter(() => Console.Out, Console.SetOut), StandardWriter(() => Console.Error, Console.SetError));
    }

    /// <summary>Console.Out (or Error), or a writer to nowhere when the descriptor is closed (<c>&gt;&amp;-</c>):
    /// .NET throws from the getter then, before any verb runs, and would print a stack trace. A closed stdout
    /// loses the output, as a full pipe's reader that went away does (`| head -1`), never the verb.</summary>
    private static TextWriter StandardWriter(Func<TextWriter> get, Action<TextWriter> set)
    {
        try
        {
            return get();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            set(TextWriter.Null);
            return get();
        }
    }
}
