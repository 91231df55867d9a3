namespace OomWarden;

/// <summary>The verb table: one line per verb, no reflection (NativeAOT).</summary>
public static class Cli
{
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        stdout.WriteLine("oomwarden");
        return 0;
    }
}
