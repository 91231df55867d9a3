using OomWarden.Configuration;
using OomWarden.Core.Settings;
using OomWarden.Linux;
using OomWarden.Linux.OomDelay;

namespace OomWarden.Commands;

/// <summary><c>oomwarden restore-oom-settings [--config FILE] [--state FILE]</c>: puts back every cgroup setting
/// oom_delay changed, from the state file (the unit's ExecStopPost=, or by hand after a crash). The daemon does the
/// same at start, before anything else.</summary>
public static class RestoreOomSettingsCommand
{
    private const string Help = """
        usage: oomwarden restore-oom-settings [--config FILE] [--state FILE]

          -c, --config FILE  take the state file's path from [cgroups] oom_delay_state (an unreadable config
                             falls back to the default, with a warning)
          --state FILE       the state file (default /run/oomwarden/oom-delay.state)

        Writes the old oom_kill_disable (v1) or memory.high (v2) of every cgroup listed back, and empties the
        state file. Exit: 0 done (or nothing to do), 64 usage, 66 the state file is not a readable regular file,
        71 some setting could not be put back.
        """;

    private static readonly CliOption State = CliOption.WithValue("--state");

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        if (!ArgReader.TryParse("restore-oom-settings", args, [LiveOptions.Config, State], Help, stdout, stderr, out var parsed, out int exit)) return exit;
        if (parsed.Positionals.Count > 0) return ArgReader.UsageError("restore-oom-settings", $"unexpected argument '{parsed.Positionals[0]}'", Help, stderr);
        string? path = parsed.Value(State.Name);
        if (path is null && parsed.Value(LiveOptions.Config.Name) is { } configPath)
        {
            // Restoring must not depend on a valid config: a rejected one falls back to the default path.
            var config = ConfigFile.Load(configPath, () => ConfigHost.Live(HostPaths.Default), TextWriter.Null, out _);
            if (config is null) stderr.WriteLine($"oomwarden restore-oom-settings: warning: {configPath} not loaded; using the default state file");
            path = config?.Settings.Cgroups.OomDelayState;
        }
        path ??= new CgroupThresholds().OomDelayState;
        // A state file that cannot be read at all (a FIFO, a directory, a device, a link planted at the path): 66 in
        // one line, as for a config or a snapshot; nothing was restored, and the file is left as it is.
        if (!OomDelayStateFile.TryLoad(path, out _, out _, out string? unusable))
        {
            stderr.WriteLine(Core.Model.TextEscape.ForTerminal($"oomwarden restore-oom-settings: {unusable}"));
            return ExitCodes.NoInput;
        }
        return Restore(path, stdout, stderr, "oomwarden restore-oom-settings");
    }

    /// <summary>Shared with the daemon's start: restores and reports; the exit code.</summary>
    public static int Restore(string path, TextWriter stdout, TextWriter stderr, string who)
    {
        var messages = new List<string>();
        int restored = OomSettingsRestorer.RestoreFile(path, messages, out int failed);
        foreach (var m in messages) stderr.WriteLine($"{who}: warning: {m}");
        if (restored > 0 || failed > 0)
            stdout.WriteLine($"{who}: restored {restored} oom_delay setting(s) from {path}{(failed > 0 ? $", {failed} could not be" : "")}");
        return failed > 0 ? ExitCodes.OsError : ExitCodes.Ok;
    }
}
