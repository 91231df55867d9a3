using OomWarden.Configuration;
using OomWarden.Core.Decisions;
using OomWarden.Core.Model;
using OomWarden.Core.Settings;
using OomWarden.Core.Snapshot;

namespace OomWarden.Commands;

/// <summary><c>oomwarden simulate [--config FILE] [--json] [--domain PATH] SNAPSHOT</c>: replays the victim
/// decision on a recorded snapshot with a (new) config, to try a policy before deploying it.</summary>
/// <remarks>Exit 0 when a decision was made (a victim or "nothing to kill"), 64 bad usage, 65 malformed snapshot or
/// unknown domain, 66 missing or unopenable snapshot or config, 74 read error, 78 config rejected. The hard protections
/// are explain's (<see cref="HardProtection"/>): "oomwarden itself" is the pid that recorded the snapshot, never a name.</remarks>
public static class SimulateCommand
{
    public const string Usage = """
        usage: oomwarden simulate [--config FILE] [--json] [--domain PATH] SNAPSHOT

        Replays the victim decision on SNAPSHOT (a regular file written by `oomwarden snapshot`) with a policy, to try
        it before deploying it.

          -c, --config FILE  the policy (default: the built-in one); levels are compared with the recorded MemTotal
          --domain PATH      a cgroup of the snapshot as if it were at its limit (default: the whole system)
          --json             one JSON object instead of the text tree

        Exit: 0 decided (a victim or nothing to kill), 64 usage, 65 malformed snapshot or unknown cgroup,
        66 missing or unopenable input (not a regular file), 74 read error, 78 config rejected.
        """;

    /// <summary>10^5 processes with their command lines are a few tens of MiB; more than this is not a snapshot.</summary>
    public const int MaxSnapshotBytes = 1 << 30;

    private static readonly CliOption Json = CliOption.Flag("--json");
    private static readonly CliOption[] Options = [LiveOptions.Config, LiveOptions.DomainOption, Json];

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        if (!ArgReader.TryParse("simulate", args, Options, Usage, stdout, stderr, out var parsed, out int exit)) return exit;
        if (parsed.Positionals.Count != 1)
        {
            return ArgReader.UsageError("simulate", parsed.Positionals.Count == 0 ? "no snapshot file given" : $"unexpected argument '{parsed.Positionals[1]}'", Usage, stderr);
        }
        string snapshotPath = parsed.Positionals[0];
        string? configPath = parsed.Value(LiveOptions.Config.Name), domain = parsed.Value(LiveOptions.DomainOption.Name);
        bool json = parsed.Has(Json.Name);

        // A regular file only: a FIFO must not hang the open, /dev/zero must not be read until memory runs out.
        var failure = Linux.IO.InputFile.TryRead(snapshotPath, MaxSnapshotBytes, out byte[]? bytes, out int errno, out string? reason);
        if (failure != Linux.IO.InputFile.Failure.None)
        {
            stderr.WriteLine(TextEscape.ForTerminal($"oomwarden simulate: cannot read {snapshotPath}: {reason}"));
            return failure switch
            {
                Linux.IO.InputFile.Failure.TooLarge => ExitCodes.DataError,
                Linux.IO.InputFile.Failure.NotRegular => ExitCodes.NoInput,
                _ => ExitCodes.ForInput(errno),
            };
        }
        if (!SnapshotReader.TryRead(bytes, out var snapshot, out var readError))
        {
            stderr.WriteLine(TextEscape.ForTerminal($"{snapshotPath}: {readError}"));
            return ExitCodes.DataError;
        }

        // Levels of different kinds are compared on the recorded machine's memory, not this one's.
        var config = ConfigFile.Load(configPath, () => ConfigHost.ForMemory(snapshot!.Memory.MemTotalBytes, snapshot.Memory.SwapTotalBytes), stderr, out exit);
        if (config is null) return exit;

        SnapshotDomainView view;
        try
        {
            view = new SnapshotDomainView(snapshot!, domain);
        }
        catch (ArgumentException)
        {
            stderr.WriteLine(TextEscape.ForTerminal($"{snapshotPath}: the snapshot has no cgroup {domain}"));
            return ExitCodes.DataError;
        }

        var selector = VictimSelectors.Create(config.Settings, config.Policy, snapshot!.RecorderPid, snapshot.PageSizeBytes);
        var decision = selector.Select(view);

        long systemTotal = Saturating.Add(snapshot.Memory.MemTotalBytes, snapshot.Memory.SwapTotalBytes);
        string selectorName = config.Settings.Selector == SelectorKind.Badness ? "badness" : "hierarchical";
        if (json) ExplainRenderer.RenderJson(decision, view, stdout, snapshot.PageSizeBytes, selectorName, config.Policy.Preset, systemTotal);
        else ExplainRenderer.RenderText(decision, view, stdout, snapshot.PageSizeBytes, selectorName, config.Policy.Preset, systemTotal);
        return ExitCodes.Ok;
    }
}
