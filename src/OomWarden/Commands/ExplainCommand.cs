using OomWarden.Core.Decisions;
using OomWarden.Core.Model;
using OomWarden.Core.Settings;
using OomWarden.Daemon;
using OomWarden.Linux;
using OomWarden.Linux.Readers;

namespace OomWarden.Commands;

/// <summary><c>oomwarden explain [--domain PATH] [--json] [--config FILE]</c>: the ranked tree right now and the
/// victim the daemon would choose, with the kernel's own view of each process.</summary>
public static class ExplainCommand
{
    public const string Usage = """
        usage: oomwarden explain [--domain PATH] [--json] [--config FILE] [--proc-root DIR] [--sys-root DIR]

          --domain PATH   a memory cgroup (as /proc/PID/cgroup shows it) as if it were at its limit;
                          default: the whole system
          --json          one JSON object instead of the text tree
          --config FILE   the policy to explain (default: the built-in one)
          --proc-root DIR --sys-root DIR
                          read /proc and /sys from DIR (containers, fixture trees)

        Exit: 0 explained, 64 usage, 65 no such memory cgroup with a limit, 66 config missing or
        unopenable, 71 host unreadable, 74 read error, 78 config rejected.
        """;

    private static readonly CliOption Json = CliOption.Flag("--json");
    private static readonly CliOption[] Options = [LiveOptions.Config, .. LiveOptions.HostOptions, Json];

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        if (!ArgReader.TryParse("explain", args, Options, Usage, stdout, stderr, out var parsed, out int exit)) return exit;
        if (parsed.Positionals.Count > 0) return ArgReader.UsageError("explain", $"unexpected argument '{parsed.Positionals[0]}'", Usage, stderr);
        var live = LiveOptions.From(parsed);
        if (live.DomainError() is { } domainError) return ArgReader.UsageError("explain", domainError, Usage, stderr);
        bool json = parsed.Has(Json.Name);
        var config = live.LoadConfig(stderr, out exit);
        if (config is null) return exit;

        var paths = live.Paths;
        // README: 71 when the host cannot be read (no /proc, no cgroupfs), as doctor and bench say it.
        if (!TryOpenHost(paths, stderr, out var opened)) return ExitCodes.OsError;
        using var host = opened;
        using var meminfo = new MeminfoReader(paths);
        meminfo.TryRead(out var mem);
        var domain = live.Domain;
        // Cached: the rendering shows the very figures the decision used, without re-reading /proc.
        var view = new CachedDomainView(host.OpenDomain(domain));
        if (domain.Kind == Core.Model.DomainKind.Cgroup && view.DomainTotalBytes == 0)
        {
            stderr.WriteLine(TextEscape.ForTerminal($"oomwarden explain: {domain.CgroupPath}: no such memory cgroup with a limit (memory cgroup {host.MemoryVersion})"));
            return ExitCodes.DataError;
        }
        // The hard protections of simulate and the daemon (HardProtection): "oomwarden itself" is this process, and only
        // on the real /proc (a --proc-root tree's pids are not this machine's).
        int? self = paths.ProcRoot == HostPaths.Default.ProcRoot ? Environment.ProcessId : null;
        var selector = VictimSelectors.Create(config.Settings, config.Policy, self, paths.PageSizeBytes);
        var decision = selector.Select(view);
        if (!Environment.IsPrivilegedProcess && self is not null)
            stderr.WriteLine("oomwarden explain: not root: /proc/PID/exe of other users' processes cannot be read, so rules with an exe key do not match them here (the daemon, as root, reads them)");
        string selectorName = config.Settings.Selector == SelectorKind.Badness ? "badness" : "hierarchical";
        long systemTotal = Saturating.Add(mem.MemTotalBytes, mem.SwapTotalBytes);
        if (json) ExplainRenderer.RenderJson(decision, view, stdout, paths.PageSizeBytes, selectorName, config.Policy.Preset, systemTotal);
        else ExplainRenderer.RenderText(decision, view, stdout, paths.PageSizeBytes, selectorName, config.Policy.Preset, systemTotal);
        return ExitCodes.Ok;
    }

    private static bool TryOpenHost(Linux.HostPaths paths, TextWriter stderr, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out LiveHost? host)
    {
        try
        {
            host = LiveHost.Open(paths);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"oomwarden explain: cannot read the host: {OsErrors.Describe(e)}");
            host = null;
            return false;
        }
    }
}
