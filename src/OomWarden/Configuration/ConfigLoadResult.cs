using System.Diagnostics.CodeAnalysis;

namespace OomWarden.Configuration;

/// <summary>Either a whole <see cref="LoadedConfig"/> or every error found; never half a config.</summary>
public sealed class ConfigLoadResult
{
    private ConfigLoadResult(LoadedConfig? config, IReadOnlyList<ConfigError> errors, IReadOnlyList<ConfigError> warnings, int readErrno)
    {
        Config = config;
        Errors = errors;
        Warnings = warnings;
        ReadErrno = readErrno;
    }

    public LoadedConfig? Config { get; }

    public IReadOnlyList<ConfigError> Errors { get; }

    /// <summary>Problems that do not reject the file; given with a config and with errors alike.</summary>
    public IReadOnlyList<ConfigError> Warnings { get; }

    /// <summary>Why the file could not be read at all (ENOENT, EACCES, EIO...): the caller exits 66 or 74, not 78.
    /// -1 when the failure carries no errno (an invalid path); 0 when the file was read.</summary>
    public int ReadErrno { get; }

    /// <summary>The file was never read: its content is neither accepted nor rejected.</summary>
    public bool IsUnreadable => ReadErrno != 0;

    [MemberNotNullWhen(true, nameof(Config))]
    public bool Success => Config is not null;

    /// <summary>EX_CONFIG from sysexits.h: the exit code when the config is rejected.</summary>
    public const int ExitConfigError = 78;

    public static ConfigLoadResult Ok(LoadedConfig config, IReadOnlyList<ConfigError>? warnings = null) => new(config, [], warnings ?? [], 0);

    public static ConfigLoadResult Failed(IReadOnlyList<ConfigError> errors, IReadOnlyList<ConfigError>? warnings = null) => new(null, errors, warnings ?? [], 0);

    public static ConfigLoadResult Unreadable(ConfigError error, int errno) => new(null, [error], [], errno == 0 ? -1 : errno);
}
