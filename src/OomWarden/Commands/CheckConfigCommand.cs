using OomWarden.Configuration;
using OomWarden.Linux;

namespace OomWarden.Commands;

/// <summary><c>oomwarden check-config [--config] FILE</c>: the daemon's own validation, against this machine (user
/// names, MemTotal); prints the compiled rule table and every effective setting (exit 0), or every error as
/// FILE:LINE:COL: reason on stderr (exit 78; 66 when the file is missing or cannot be opened, 74 on a read error).
/// Warnings go to stderr and do not fail the check. Without a file, shows the built-in defaults.</summary>
public static class CheckConfigCommand
{
    public const string Usage = """
        usage: oomwarden check-config [--config] FILE

        Validates FILE as the daemon would at start (user names resolved, levels compared with this machine's
        MemTotal) and prints the compiled rule table and every effective setting as TOML that loads back.
        Without FILE: the built-in defaults. Exit: 0 valid, 64 usage, 66 missing input, 74 read error, 78 rejected.
        """;

    private static readonly CliOption[] Options = [LiveOptions.Config];

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        if (!ArgReader.TryParse("check-config", args, Options, Usage, stdout, stderr, out var parsed, out int exit)) return exit;
        string? file = parsed.Value(LiveOptions.Config.Name);
        if (parsed.Positionals.Count > (file is null ? 1 : 0))
        {
            string extra = parsed.Positionals[file is null ? 1 : 0];
            return ArgReader.UsageError("check-config", $"unexpected argument '{extra}' (one config file at a time)", Usage, stderr);
        }
        file ??= parsed.Positionals.Count > 0 ? parsed.Positionals[0] : null;

        var config = ConfigFile.Load(file, () => ConfigHost.Live(HostPaths.Default), stderr, out exit);
        if (config is null) return exit;

        // Forgeable protections are warnings, not errors: the config is valid (exit 0), but a user can satisfy them.
        foreach (var warning in Core.Policy.ProtectionAudit.Warnings(config.Policy)) stderr.WriteLine(warning);
        if (config.Policy.AnyReclaim && Linux.Cgroups.CgroupLayoutReader.TryRead(HostPaths.Default, out var layout, out _)
            && layout.MemoryVersion != Linux.Parsing.CgroupVersion.V2)
            stderr.WriteLine($"{Core.Model.TextEscape.ForTerminal(config.Source)}: warning: reclaim = true is ignored on this host: its memory cgroups are v1, which has no memory.reclaim");
        stdout.WriteLine($"config {Core.Model.TextEscape.ForTerminal(config.Source)}: OK");
        stdout.WriteLine();
        ConfigPrinter.PrintRules(config.Policy, stdout);
        stdout.WriteLine();
        stdout.WriteLine("# effective settings");
        ConfigPrinter.PrintSettings(config.Settings, stdout);
        return ExitCodes.Ok;
    }
}
