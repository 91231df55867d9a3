using OomWarden.Core.Policy;
using System.Runtime.InteropServices;
using OomWarden.Configuration;
using OomWarden.Core.Decisions;
using OomWarden.Core.Model;
using OomWarden.Core.Settings;
using OomWarden.Daemon;
using OomWarden.Linux;
using OomWarden.Linux.Actions;
using OomWarden.Linux.Readers;

namespace OomWarden.Commands;

/// <summary><c>oomwarden run</c>: the daemon, in the foreground.</summary>
public static class RunCommand
{
    private const string Help = """
        usage: oomwarden run [--config FILE] [--dry-run] [--events FILE] [--no-mlock]
                             [--proc-root DIR] [--sys-root DIR] [--kmsg PATH]

          -c, --config FILE TOML configuration (default: the built-in policy)
          --dry-run         decide and log everything, send no signal
          --events FILE     append-only JSON lines journal (default /var/lib/oomwarden/events.jsonl,
                            or [action] events in the config)
          --no-mlock        do not lock the daemon's memory (mlockall)
          --proc-root DIR   read /proc from DIR (tests, containers)
          --sys-root DIR    read /sys from DIR
          --kmsg PATH       the kernel log device followed for the kernel's own kills (default /dev/kmsg)

        SIGTERM or SIGINT stops the daemon. Exit codes: 0 stopped, 64 usage, 66 config file missing, 71 OS error,
        74 config file read error, 78 config rejected.
        """;

    private static readonly CliOption Events = CliOption.WithValue("--events");
    private static readonly CliOption Kmsg = CliOption.WithValue("--kmsg");
    private static readonly CliOption DryRun = CliOption.Flag("--dry-run");
    private static readonly CliOption NoMlock = CliOption.Flag("--no-mlock");
    private static readonly CliOption[] Options =
        [LiveOptions.Config, Events, LiveOptions.ProcRootOption, LiveOptions.SysRootOption, Kmsg, DryRun, NoMlock];

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        if (!ArgReader.TryParse("run", args, Options, Help, stdout, stderr, out var parsed, out int exit)) return exit;
        if (parsed.Positionals.Count > 0) return ArgReader.UsageError("run", $"unexpected argument '{parsed.Positionals[0]}'", Help, stderr);
        string? configPath = parsed.Value(LiveOptions.Config.Name), eventsPath = parsed.Value(Events.Name);
        string? procRoot = parsed.Value(LiveOptions.ProcRootOption.Name), sysRoot = parsed.Value(LiveOptions.SysRootOption.Name), kmsgPath = parsed.Value(Kmsg.Name);
        bool dryRun = parsed.Has(DryRun.Name), mlock = !parsed.Has(NoMlock.Name);

        var config = ConfigFile.Load(configPath, () => ConfigHost.Live(new HostPaths(procRoot ?? HostPaths.Default.ProcRoot, sysRoot ?? HostPaths.Default.SysRoot)),
            stderr, out exit, "config rejected; not starting");
        if (config is null) return exit;
        var settings = config.Settings;
        var action = settings.Action with
        {
            DryRun = settings.Action.DryRun || dryRun,
            EventsPath = eventsPath ?? settings.Action.EventsPath,
        };
        settings = settings with { Action = action };

        var paths = new HostPaths(procRoot ?? HostPaths.Default.ProcRoot, sysRoot ?? HostPaths.Default.SysRoot, kmsgPath ?? HostPaths.Default.DevKmsgPath);
        foreach (var warning in SelfProtection.Apply(paths.Proc("self/oom_score_adj"), mlock))
            stderr.WriteLine("oomwarden: warning: " + warning);

        using var journal = EventJournal.TryOpen(settings.Action.EventsPath, out string? journalError);
        if (journalError is not null) stderr.WriteLine("oomwarden: warning: " + journalError + "; decisions go to stderr only");

        LiveHost host;
        try
        {
            host = LiveHost.Open(paths);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"oomwarden run: cannot read the host: {OsErrors.Describe(e)}");
            return ExitCodes.OsError;
        }
        var meminfo = new MeminfoReader(paths);
        if (!meminfo.TryRead(out MemoryInfo first))
        {
            stderr.WriteLine($"oomwarden run: cannot read {paths.MeminfoPath}");
            return ExitCodes.OsError;
        }

        var selector = VictimSelectors.Create(settings, config.Policy, Environment.ProcessId, paths.PageSizeBytes);
        using var wake = new WakeSources();
        string psi = settings.Monitor.Events
            ? wake.TryAddPsiTrigger(paths.PressureMemoryPath, out string? psiError) ?? ("off (" + psiError + ")")
            : "off";
        var monitor = new Daemon.Monitor(meminfo, settings, new NodeMemoryReader(paths));
        using var daemon = new DaemonHost(settings, host, selector, monitor, wake, journal, stderr, TimeProvider.System);
        daemon.Rescan();

        using var onTerm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; wake.RequestStop(); });
        using var onInt = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; wake.RequestStop(); });

        stderr.WriteLine($"oomwarden: {(settings.Action.DryRun ? "DRY RUN, " : "")}config {config.Source}; memory cgroup {host.MemoryVersion}; "
            + $"MemTotal {SizeFormat.FormatBytes(first.MemTotalBytes)}, MemAvailable {SizeFormat.FormatBytes(first.MemAvailableBytes)}, SwapTotal {SizeFormat.FormatBytes(first.SwapTotalBytes)}; "
            + $"system domain {(settings.System.Enabled ? $"term at MemAvailable <= {settings.System.MemAvailableTerm}" : "off")}{(monitor.NodeCount > 1 ? $", {monitor.NodeCount} NUMA nodes watched" : "")}; "
            + $"{monitor.Cgroups.Length} limited cgroup(s), {Count(monitor, c => c.HasKernelWakeup)} with kernel wake-ups, {Count(monitor, c => c.HasPressureWakeup)} with pressure levels; "
            + $"PSI trigger {psi}; events {journal?.Path ?? "none"}");
        using var kernelKills = KernelKillNotifier.TryStart(paths.DevKmsgPath, journal, stderr, TimeProvider.System, out string? kmsgError);
        if (kmsgError is not null) stderr.WriteLine("oomwarden: warning: " + kmsgError);
        stderr.WriteLine("oomwarden: watching");
        journal?.Append(new KillEvent { Event = "start", Time = DateTimeOffset.UtcNow, DryRun = settings.Action.DryRun, Message = config.Source }, sync: false);
        daemon.Run();
        stderr.WriteLine($"oomwarden: stopping ({daemon.Kills} kill(s), {kernelKills?.Kills ?? 0} kill(s) by the kernel)");
        journal?.Append(new KillEvent { Event = "stop", Time = DateTimeOffset.UtcNow, DryRun = settings.Action.DryRun }, sync: true);
        return ExitCodes.Ok;
    }

    private static int Count(Daemon.Monitor monitor, Func<WatchedCgroup, bool> predicate)
    {
        int n = 0;
        foreach (var c in monitor.Cgroups) if (predicate(c)) n++;
        return n;
    }
}
