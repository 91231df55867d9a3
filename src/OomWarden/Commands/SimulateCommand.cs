using OomWarden.Configuration;
using OomWarden.Core.Decisions;
using OomWarden.Core.Model;
using OomWarden.Core.Settings;
using OomWarden.Core.Snapshot;

namespace OomWarden.Commands;

/// <summary><c>oomwarden simulate [--config FILE] [--json] [--domain PATH] SNAPSHOT</c>: replays the victim
/// decision on a recorded snapshot with a (new) config, to try a policy before deploying it.</summary>
/// <remarks>Exit 0 when a decision was made (a victim or "nothing to kill"), 64 bad usage, 65 malformed snapshot or
/// unknown domain, 66 unreadable snapshot, 78 config rejected. The hard protections are explain's
/// (<see cref="HardProtection"/>): "oomwarden itself" is the pid that recorded the snapshot, never a name.</remarks>
public static class SimulateCommand
{
    public const string Usage = "usage: oomwarden simulate [--config FILE] [--json] [--domain PATH] SNAPSHOT";

    /// <param name="args">The arguments after the verb (a leading "simulate" is skipped).</param>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        string? configPath = null, domain = null, snapshotPath = null;
        bool json = false;
        for (int i = args.Length > 0 && args[0] == "simulate" ? 1 : 0; i < args.Length; i++)
        {
            string a = args[i];
            if ((a is "--config" or "-c") && i + 1 < args.Length) configPath = args[++i];
            else if (a == "--domain" && i + 1 < args.Length) domain = args[++i];
            else if (a == "--json") json = true;
            else if (a is "-h" or "--help")
            {
                stdout.WriteLine(Usage);
                return ExitCodes.Ok;
            }
            else if (!a.StartsWith('-') && snapshotPath is null) snapshotPath = a;
            else
            {
                stderr.WriteLine($"simulate: unexpected argument '{a}'");
                stderr.WriteLine(Usage);
                return ExitCodes.Usage;
            }
        }
        if (snapshotPath is null)
        {
            stderr.WriteLine("simulate: no snapshot file given");
            stderr.WriteLine(Usage);
            return ExitCodes.Usage;
        }

        LoadedConfig config;
        if (configPath is null)
        {
            config = ConfigLoader.Default();
        }
        else
        {
            var loaded = ConfigLoader.LoadFile(configPath);
            if (!loaded.Success)
            {
                foreach (var error in loaded.Errors) stderr.WriteLine(error.ToString());
                return ExitCodes.Config;
            }
            config = loaded.Config;
        }

        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(snapshotPath);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"{snapshotPath}: cannot read: {ex.Message}");
            return ExitCodes.NoInput;
        }
        if (!SnapshotReader.TryRead(bytes, out var snapshot, out var readError))
        {
            stderr.WriteLine(TextEscape.ForTerminal($"{snapshotPath}: {readError}"));
            return ExitCodes.DataError;
        }

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
