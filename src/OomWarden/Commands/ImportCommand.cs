namespace OomWarden.Commands;

/// <summary><c>oomwarden import earlyoom ARGS...</c>: prints the oomwarden configuration equivalent to another OOM
/// daemon's command line, with a comment for every flag that has no equivalent.</summary>
public static class ImportCommand
{
    public const string Usage = """
        usage: oomwarden import earlyoom [EARLYOOM-OPTIONS ...]

        Prints the TOML configuration equivalent to earlyoom's command line (earlyoom 1.7 and 1.8 flags):
          -m PERCENT[,KILL_PERCENT]   [system] mem_available_term / _kill (kill default PERCENT/2)
          -s PERCENT[,KILL_PERCENT]   [system] swap_free_term / _kill
          -M SIZE[,KILL_SIZE]         the same in KiB (earlyoom used the lower of -m and -M; this takes -M)
          -S SIZE[,KILL_SIZE]         the same for swap
          --prefer REGEX              a rule with priority -300 (goes first among its siblings)
          --avoid REGEX               a rule with priority 300
          --ignore REGEX              a rule with protect = true
          --ignore-root-user          a rule user = "0", protect = true
          --dryrun                    [action] dry_run = true
          -n, -N, -g, -r, -p, -d, --sort-by-rss   comments: no direct equivalent (each says what is nearest)
        A REGEX that is an alternation of plain names becomes comm globs; any other becomes a cmdline regex.
        Write it to a file and check it: oomwarden import earlyoom -m 5 > f.toml && oomwarden check-config f.toml
        The options of a running earlyoom are in /etc/default/earlyoom (EARLYOOM_ARGS).
        """;

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help")
        {
            (args.Length == 0 ? stderr : stdout).WriteLine(Usage);
            return args.Length == 0 ? ExitCodes.Usage : ExitCodes.Ok;
        }
        if (args[0] != "earlyoom")
        {
            stderr.WriteLine($"oomwarden import: unknown tool '{ArgReader.Shown(args[0])}' (known: earlyoom; docs/MIGRATING.md maps systemd-oomd and nohang by hand)");
            return ExitCodes.Usage;
        }
        var rest = args[1..];
        if (rest.Length == 1 && rest[0] is "-h" or "--help")
        {
            stdout.WriteLine(Usage);
            return ExitCodes.Ok;
        }
        string? toml = EarlyoomImport.Translate(rest, out string? error);
        if (toml is null)
        {
            stderr.WriteLine("oomwarden import earlyoom: " + ArgReader.Shown(error ?? ""));
            return ExitCodes.Usage;
        }
        stdout.Write(toml);
        return ExitCodes.Ok;
    }
}
