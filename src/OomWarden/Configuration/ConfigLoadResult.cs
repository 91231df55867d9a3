using System.Diagnostics.CodeAnalysis;

namespace OomWarden.Configuration;

/// <summary>Either a whole <see cref="LoadedConfig"/> or every error found; never half a config.</summary>
public sealed class ConfigLoadResult
{
    private ConfigLoadResult(LoadedConfig? config, IReadOnlyList<ConfigError> errors)
    {
        Config = config;
        Errors = errors;
    }

    public LoadedConfig? Config { get; }

    public IReadOnlyList<ConfigError> Errors { get; }

    [MemberNotNullWhen(true, nameof(Config))]
    public bool Success => Config is not null;

    /// <summary>EX_CONFIG from sysexits.h: the exit code when the config is rejected.</summary>
    public const int ExitConfigError = 78;

    public static ConfigLoadResult Ok(LoadedConfig config) => new(config, []);

    public static ConfigLoadResult Failed(IReadOnlyList<ConfigError> errors) => new(null, errors);
}
