using OomWarden.Configuration;

namespace OomWarden.Control;

/// <summary>What a reload did: applied (with the settings that wait for a restart) or rejected (every reason).</summary>
public sealed record ReloadOutcome(bool Applied, string Path, string? Sha256, IReadOnlyList<string> Errors,
    IReadOnlyList<string> Warnings, IReadOnlyList<string> RestartNeeded)
{
    public static ReloadOutcome Rejected(string path, string? sha256, IEnumerable<ConfigError> errors, IEnumerable<ConfigError> warnings) =>
        new(false, path, sha256, [.. errors.Select(e => e.ToString())], [.. warnings.Select(e => e.ToString())], []);
}
