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
    public const string Usage = "usage: oomwarden simulate [--config FILE] [--json] [--domain PATH] SNAPSHOT";

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

        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(snapshotPath);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            stderr.WriteLine($"oomwarden simulate: cannot read {snapshotPath}: {OsErrors.Describe(ex, snapshotPath)}");
            return ExitCodes.ForInput(ex, snapshotPath);
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
