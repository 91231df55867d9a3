using OomWarden.Configuration;

namespace OomWarden.Commands;

/// <summary><c>oomwarden check-config [--config] FILE</c>: the daemon's own validation; prints the compiled rule
/// table and the effective settings (exit 0), or every error as FILE:LINE:COL: reason on stderr (exit 78).
/// Without a file, shows the built-in defaults.</summary>
public static class CheckConfigCommand
{
    public const string Usage = "usage: oomwarden check-config [--config] FILE";

    /// <param name="args">The arguments after the verb (a leading "check-config" is skipped).</param>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        string? file = null;
        for (int i = args.Length > 0 && args[0] == "check-config" ? 1 : 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--config" or "-c" when i + 1 < args.Length && file is null:
                    file = args[++i];
                    break;
                case "-h" or "--help":
                    stdout.WriteLine(Usage);
                    return ExitCodes.Ok;
                default:
                    if (args[i].StartsWith('-') || file is not null)
                    {
                        stderr.WriteLine($"check-config: unexpected argument '{args[i]}'");
                        stderr.WriteLine(Usage);
                        return ExitCodes.Usage;
                    }
                    file = args[i];
                    break;
            }
        }

        LoadedConfig config;
        if (file is null)
        {
            config = ConfigLoader.Default();
        }
        else
        {
            var result = ConfigLoader.LoadFile(file);
            if (!result.Success)
            {
                foreach (var error in result.Errors) stderr.WriteLine(error.ToString());
                stderr.WriteLine($"{file}: {result.Errors.Count} error{(result.Errors.Count == 1 ? "" : "s")}, config rejected");
                return ExitCodes.Config;
            }
            config = result.Config;
        }

        // Forgeable protections are warnings, not errors: the config is valid (exit 0), but a user can satisfy them.
        foreach (var warning in Core.Policy.ProtectionAudit.Warnings(config.Policy)) stderr.WriteLine(warning);
        stdout.WriteLine($"config {config.Source}: OK");
        stdout.WriteLine();
        ConfigPrinter.PrintRules(config.Policy, stdout);
        stdout.WriteLine();
        stdout.WriteLine("# effective settings");
        ConfigPrinter.PrintSettings(config.Settings, stdout);
        return ExitCodes.Ok;
    }
}
