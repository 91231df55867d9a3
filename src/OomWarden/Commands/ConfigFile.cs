using OomWarden.Configuration;

namespace OomWarden.Commands;

/// <summary>Loading the --config file of a verb, the same way for every verb: warnings and errors on stderr as
/// FILE:LINE:COL, and the exit code README.md promises (66 missing or unopenable file, 74 read error,
/// 78 config rejected).</summary>
internal static class ConfigFile
{
    /// <summary>The config at <paramref name="path"/> (null: the built-in defaults), checked against the machine
    /// <paramref name="host"/> describes (asked only when there is a file); null with the exit code when it cannot be used.</summary>
    /// <param name="outcome">What a rejected config means for this verb ("config rejected", "not starting").</param>
    public static LoadedConfig? Load(string? path, Func<ConfigHost> host, TextWriter stderr, out int exitCode, string outcome = "config rejected")
    {
        exitCode = ExitCodes.Ok;
        if (path is null) return ConfigLoader.Default();
        var result = ConfigLoader.LoadFile(path, host());
        foreach (var warning in result.Warnings) stderr.WriteLine(warning.ToString());
        if (result.Success) return result.Config;
        foreach (var error in result.Errors) stderr.WriteLine(error.ToString());
        if (result.IsUnreadable)
        {
            exitCode = ExitCodes.ForInput(result.ReadErrno < 0 ? OsErrors.ENOENT : result.ReadErrno);
            return null;
        }
        stderr.WriteLine($"{Core.Model.TextEscape.ForTerminal(path)}: {result.Errors.Count} error{(result.Errors.Count == 1 ? "" : "s")}, {outcome}");
        exitCode = ExitCodes.Config;
        return null;
    }
}
