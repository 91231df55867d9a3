using OomWarden.Core.Policy;
using OomWarden.Core.Settings;

namespace OomWarden.Configuration;

/// <summary>A config file that passed every check: the daemon settings and the compiled policy.</summary>
/// <param name="Source">The file path, or "(built-in defaults)".</param>
public sealed record LoadedConfig(DaemonSettings Settings, CompiledPolicy Policy, string Source);
