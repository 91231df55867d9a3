namespace OomWarden;

public static class Program
{
    public static int Main(string[] args)
    {
        StandardDescriptors.FillClosedOutputs();
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
