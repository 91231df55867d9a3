using System.Globalization;
using OomWarden.Core.Policy;
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

        SIGTERM or SIGINT stops the daemon; SIGHUP, SIGUSR1, SIGUSR2 are logged and ignored, SIGPIPE ignored.
        Exit codes: 0 stopped, 64 usage, 66 config file missing, 71 OS error, 73 journal not writable (or not a
        regular file), 74 config file read error, 78 config rejected.
        """;

    private static readonly CliOption Events = CliOption.WithValue("--events");
    private static readonly CliOption Kmsg = CliOption.WithValue("--kmsg");
    private static readonly CliOption DryRun = CliOption.Flag("--dry-run");
    private static readonly CliOption NoMlock = CliOption.Flag("--no-mlock");
    private static readonly CliOption[] Options =
        [LiveOptions.Config, Events, LiveOptions.ProcRootOption, LiveOptions.SysRootOption, Kmsg, DryRun, NoMlock];

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        // First: until this runs, SIGHUP or SIGUSR1 would kill the daemon (the default action).
        using var signals = DaemonSignals.Install(stderr, TimeProvider.System);
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
        if (Linux.Interop.Process.ResourceLimit.RaiseOpenFilesToHardLimit() is { } nofile) stderr.WriteLine("oomwarden: warning: " + nofile);
        // The real process on the real procfs: --proc-root trees are read, never written.
        foreach (var warning in SelfProtection.Apply(mlock))
            stderr.WriteLine("oomwarden: warning: " + warning);

        using var journal = EventJournal.TryOpen(settings.Action.EventsPath,
            line => DaemonLog.Write(stderr, TimeProvider.System, "oomwarden: warning: " + line), out string? journalError);
        if (journal is null)
        {
            stderr.WriteLine($"oomwarden run: {journalError}; not starting");
            return ExitCodes.CantCreate;
        }
        var readFailures = new ReadFailureReporter(line => DaemonLog.Write(stderr, TimeProvider.System, line), journal, TimeProvider.System);

        var meminfo = new MeminfoReader(paths);
        if (!meminfo.TryRead(out MemoryInfo first))
        {
            stderr.WriteLine($"oomwarden run: cannot read {paths.MeminfoPath}");
            return ExitCodes.OsError;
        }
        meminfo.Dispose();

        // Signals an earlier instance sent and did not see through (read before this instance appends anything).
        var unfinished = JournalRecovery.ReadUnfinished(settings.Action.EventsPath, DateTimeOffset.UtcNow);
        DaemonRuntime daemon;
        try
        {
            string instance = Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "." + DateTimeOffset.UtcNow.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
            daemon = DaemonRuntime.Build(config with { Settings = settings }, paths, TimeProvider.System, instance, readFailures);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"oomwarden run: cannot read the host: {OsErrors.Describe(e)}");
            return ExitCodes.OsError;
        }
        using var daemonScope = daemon;
        daemon.Bus.Subscribe(new LogSink(stderr, TimeProvider.System));
        daemon.Bus.Subscribe(new JournalSink(journal, settings.Action.DryRun));
        // [notify] low_memory_monitor, desktop, hooks: each on its own worker, never on the loop.
        using var notifiers = Notify.Notifiers.Start(settings, daemon.Bus, line => DaemonLog.Write(stderr, TimeProvider.System, line));
        daemon.Runner.RescanAtStart();

        signals.OnStop(daemon.Loop.RequestStop);

        var domains = daemon.Domains;
        int wakeups = 0, pressure = 0;
        foreach (var c in domains.Cgroups)
        {
            if (c.HasKernelWakeup) wakeups++;
            if (c.HasPressureWakeup) pressure++;
        }
        stderr.WriteLine($"oomwarden: {(settings.Action.DryRun ? "DRY RUN, " : "")}config {config.Source}; memory cgroup {daemon.Host.MemoryVersion}; "
            + $"MemTotal {SizeFormat.FormatBytes(first.MemTotalBytes)}, MemAvailable {SizeFormat.FormatBytes(first.MemAvailableBytes)}, SwapTotal {SizeFormat.FormatBytes(first.SwapTotalBytes)}; "
            + $"system domain {(settings.System.Enabled ? $"term at MemAvailable <= {settings.System.MemAvailableTerm}" : "off")}{(domains.Nodes.Length > 1 ? $", {domains.Nodes.Length} NUMA nodes watched" : "")}; "
            + $"{domains.Cgroups.Length} limited cgroup(s), {wakeups} with kernel wake-ups, {pressure} with pressure levels; "
            + $"PSI trigger {daemon.PsiStatus}; events {journal.Path}");
        using var kernelKills = KernelKillNotifier.TryStart(paths.DevKmsgPath, daemon.Bus, TimeProvider.System, out string? kmsgError);
        if (kmsgError is not null) stderr.WriteLine("oomwarden: warning: " + kmsgError);
        string recovering = unfinished.Count == 0 ? ""
            : $"; finishing {unfinished.Count} signal(s) of an earlier instance: "
                + string.Join(", ", unfinished.Select(u => $"pid {u.Pid} ({u.Comm}, {Signals.Name(u.Signal)} at {u.Time.UtcDateTime:HH:mm:ss.fff}Z, domain {u.Domain})"));
        if (recovering.Length > 0) stderr.WriteLine("oomwarden: " + recovering[2..]);
        stderr.WriteLine("oomwarden: watching");
        journal.Append(new KillEvent { Event = "start", Time = DateTimeOffset.UtcNow, DryRun = settings.Action.DryRun, Message = config.Source + recovering }, sync: unfinished.Count > 0);
        daemon.Runner.Recover(unfinished);
        foreach (var warning in StartupFootprint.Settle(paths, daemon.Host, daemon.Selector)) stderr.WriteLine("oomwarden: warning: " + warning);
        // Type=notify: READY once the first tick ran and every wake-up is armed; WATCHDOG=1 from the loop.
        using var notify = Linux.Notify.SdNotify.FromEnvironment(out string? notifyError);
        if (notifyError is not null) stderr.WriteLine("oomwarden: warning: " + notifyError);
        if (notify is not null)
        {
            daemon.Runner.Notify = notify;
            daemon.Runner.WatchdogInterval = Linux.Notify.SdNotify.WatchdogInterval();
            notify.Status($"watching {domains.Cgroups.Length} limited cgroup(s){(settings.System.Enabled ? " and the system" : "")}{(settings.Action.DryRun ? " (dry run)" : "")}");
            notify.Ready();
        }
        daemon.Runner.Run();
        notify?.Stopping();
        stderr.WriteLine($"oomwarden: stopping ({daemon.Engine.State.Kills} kill(s), {kernelKills?.Kills ?? 0} kill(s) by the kernel, "
            + $"{daemon.Runner.Rescans} cgroup rescan(s), {readFailures.Failures} failed read(s), {journal.WriteFailures} failed journal write(s))");
        journal.Append(new KillEvent { Event = "stop", Time = DateTimeOffset.UtcNow, DryRun = settings.Action.DryRun }, sync: true);
        return ExitCodes.Ok;
    }
}
