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
                             [--proc-root DIR] [--sys-root DIR]

          --config FILE     TOML configuration (default: the built-in policy)
          --dry-run         decide and log everything, send no signal
          --events FILE     append-only JSON lines journal (default /var/lib/oomwarden/events.jsonl,
                            or [action] events in the config)
          --no-mlock        do not lock the daemon's memory (mlockall)
          --proc-root DIR   read /proc from DIR (tests, containers)
          --sys-root DIR    read /sys from DIR
          --kmsg PATH       the kernel log device followed for the kernel's own kills (default /dev/kmsg)

        SIGTERM or SIGINT stops the daemon. Exit codes: 0 stopped, 64 usage, 78 bad config, 71 OS error.
        """;

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        string? configPath = null, eventsPath = null, procRoot = null, sysRoot = null, kmsgPath = null;
        bool dryRun = false, mlock = true;
        var reader = new ArgReader(args);
        while (reader.NextOption() is { } opt)
        {
            switch (opt)
            {
                case "--config": configPath = reader.Value(opt, stderr); if (configPath is null) return ExitCodes.Usage; break;
                case "--events": eventsPath = reader.Value(opt, stderr); if (eventsPath is null) return ExitCodes.Usage; break;
                case "--proc-root": procRoot = reader.Value(opt, stderr); if (procRoot is null) return ExitCodes.Usage; break;
                case "--sys-root": sysRoot = reader.Value(opt, stderr); if (sysRoot is null) return ExitCodes.Usage; break;
                case "--kmsg": kmsgPath = reader.Value(opt, stderr); if (kmsgPath is null) return ExitCodes.Usage; break;
                case "--dry-run": dryRun = true; break;
                case "--no-mlock": mlock = false; break;
                case "-h" or "--help": stdout.WriteLine(Help); return ExitCodes.Ok;
                default: stderr.WriteLine($"oomwarden run: unknown option {opt}"); stderr.WriteLine(Help); return ExitCodes.Usage;
            }
        }
        if (reader.Positionals.Count > 0)
        {
            stderr.WriteLine($"oomwarden run: unexpected argument '{reader.Positionals[0]}'");
            return ExitCodes.Usage;
        }

        LoadedConfig config;
        if (configPath is null) config = ConfigLoader.Default();
        else
        {
            var result = ConfigLoader.LoadFile(configPath);
            if (!result.Success)
            {
                foreach (var e in result.Errors) stderr.WriteLine(e.ToString());
                stderr.WriteLine($"oomwarden run: {configPath}: {result.Errors.Count} error(s); not starting");
                return ExitCodes.Config;
            }
            config = result.Config;
        }
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
            stderr.WriteLine($"oomwarden run: cannot read the host: {e.Message}");
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
        foreach (var warning in StartupFootprint.Settle(paths, host, selector)) stderr.WriteLine("oomwarden: warning: " + warning);
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
