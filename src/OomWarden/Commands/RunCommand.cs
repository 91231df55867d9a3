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
    // A UTF-8 literal (read-only data) rather than a string literal (a frozen object in the resident .hydrated).
    private static string Help => System.Text.Encoding.UTF8.GetString(HelpUtf8);

    private static ReadOnlySpan<byte> HelpUtf8 => """
        usage: oomwarden run [--config FILE] [--dry-run] [--events FILE] [--no-mlock]
                             [--proc-root DIR] [--sys-root DIR] [--kmsg PATH] [--run-user-root DIR]

          -c, --config FILE TOML configuration (default: the built-in policy)
          --dry-run         decide and log everything, send no signal
          --events FILE     append-only JSON lines journal (default /var/lib/oomwarden/events.jsonl,
                            or [action] events in the config)
          --no-mlock        do not lock the daemon's memory (mlockall)
          --proc-root DIR   read /proc from DIR (tests, containers)
          --sys-root DIR    read /sys from DIR
          --kmsg PATH       the kernel log device followed for the kernel's own kills (default /dev/kmsg)
          --run-user-root DIR
                            the users' runtime directories, DIR/UID/bus their session buses, for
                            [notify] desktop (default /run/user; tests)

        SIGTERM or SIGINT stops the daemon; SIGHUP reloads the config (as `oomwarden reload`); SIGUSR1, SIGUSR2 are
        logged and ignored, SIGPIPE ignored. `oomwarden status` asks the running daemon (control socket).
        Exit codes: 0 stopped, 64 usage, 66 config file missing, 69 the daemon executable oomwardend missing,
        71 OS error, 73 journal not writable (or not a regular file), 74 config file read error, 78 config rejected.
        """u8;

    private static readonly CliOption Events = CliOption.WithValue("--events");
    private static readonly CliOption Kmsg = CliOption.WithValue("--kmsg");
    private static readonly CliOption RunUserRoot = CliOption.WithValue("--run-user-root");
    private static readonly CliOption DryRun = CliOption.Flag("--dry-run");
    private static readonly CliOption NoMlock = CliOption.Flag("--no-mlock");
    private static readonly CliOption[] Options =
        [LiveOptions.Config, Events, LiveOptions.ProcRootOption, LiveOptions.SysRootOption, Kmsg, RunUserRoot, DryRun, NoMlock];

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        // First: until this runs, SIGHUP or SIGUSR1 would kill the daemon (the default action).
        using var signals = DaemonSignals.Install(stderr, TimeProvider.System);
        if (!ArgReader.TryParse("run", args, Options, Help, stdout, stderr, out var parsed, out int exit)) return exit;
        if (parsed.Positionals.Count > 0) return ArgReader.UsageError("run", $"unexpected argument '{parsed.Positionals[0]}'", Help, stderr);
        string? configPath = parsed.Value(LiveOptions.Config.Name), eventsPath = parsed.Value(Events.Name);
        string? procRoot = parsed.Value(LiveOptions.ProcRootOption.Name), sysRoot = parsed.Value(LiveOptions.SysRootOption.Name), kmsgPath = parsed.Value(Kmsg.Name);
        bool dryRun = parsed.Has(DryRun.Name), mlock = !parsed.Has(NoMlock.Name);
        string runUserRoot = parsed.Value(RunUserRoot.Name) ?? Notify.DesktopSink.DefaultRuntimeRoot;
        if (!Path.IsPathRooted(runUserRoot)) return ArgReader.UsageError("run", $"--run-user-root '{runUserRoot}' is not an absolute path", Help, stderr);

        var config = ConfigFile.Load(configPath, () => ConfigHost.Live(new HostPaths(procRoot ?? HostPaths.Default.ProcRoot, sysRoot ?? HostPaths.Default.SysRoot)),
            stderr, out exit, "config rejected; not starting");
        if (config is null) return exit;
        var settings = config.Settings;
        // Before anything else: settings an earlier instance changed for oom_delay and could not put back (killed,
        // and its guard too) are restored, so no task is left waiting behind them.
        RestoreOomSettingsCommand.Restore(settings.Cgroups.OomDelayState, stderr, stderr, "oomwarden");
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
        // doctor's own checks of a running daemon, on this process (always the real /proc: --proc-root names the
        // host watched, not the daemon).
        foreach (var f in Core.Doctor.ProtectionChecks.OfDaemon(Linux.Doctor.ProtectionReader.Read(HostPaths.Default, null), mlock))
            stderr.WriteLine(f.Status == Core.Doctor.FindingStatus.Ok
                ? $"oomwarden: self-check {f.Check}: ok: {f.Summary}"
                : $"oomwarden: {(f.Status == Core.Doctor.FindingStatus.Warning ? "warning" : "note")}: self-check {f.Check}: {f.Summary}{(f.Why is null ? "" : "; " + f.Why)}{(f.Fix is null ? "" : "; fix: " + f.Fix)}");

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
            daemon = DaemonRuntime.Build(config with { Settings = settings }, paths, TimeProvider.System, instance, readFailures,
                log: line => DaemonLog.Write(stderr, TimeProvider.System, line));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"oomwarden run: cannot read the host: {OsErrors.Describe(e)}");
            return ExitCodes.OsError;
        }
        using var daemonScope = daemon;
        daemon.Bus.Subscribe(new LogSink(stderr, TimeProvider.System));
        daemon.Bus.Subscribe(new JournalSink(journal, settings.Action.DryRun));
        var activity = new Control.ActivityRecorder();
        daemon.Bus.Subscribe(activity);
        // [notify] low_memory_monitor, desktop, hooks: each on its own worker, never on the loop.
        using var notifiers = Notify.Notifiers.Start(settings, daemon.Bus, line => DaemonLog.Write(stderr, TimeProvider.System, line),
            runUserRoot);
        foreach (var source in notifiers.Counters) daemon.Counters.Add(source);
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
        // Kill counters: the saved values against the cgroups' own counters now (kills while stopped), then the kernel log.
        daemon.Accounting.StatePath = KillCounterState.PathFor(settings.Action.EventsPath);
        daemon.Accounting.Warn = line => DaemonLog.Write(stderr, TimeProvider.System, "oomwarden: warning: " + line);
        daemon.Accounting.Start(DaemonRuntime.Watched(domains));
        using var kernelKills = KernelKillNotifier.TryStart(paths.DevKmsgPath, daemon.Bus, TimeProvider.System, out string? kmsgError, daemon.Accounting);
        if (kmsgError is not null) stderr.WriteLine("oomwarden: warning: " + kmsgError);
        string recovering = unfinished.Count == 0 ? ""
            : $"; finishing {unfinished.Count} signal(s) of an earlier instance: "
                + string.Join(", ", Describe(unfinished));
        if (recovering.Length > 0) stderr.WriteLine("oomwarden: " + recovering[2..]);
        // Status, reload, pause/resume and metrics (issue 12): the command line's choices stay over every reload.
        Func<DaemonSettings, DaemonSettings> overlay = s => s with
        {
            Action = s.Action with { DryRun = s.Action.DryRun || dryRun, EventsPath = eventsPath ?? s.Action.EventsPath },
        };
        Action<string> log = line => DaemonLog.Write(stderr, TimeProvider.System, line);
        using var control = new Control.ControlService(daemon, activity, journal, log, configPath, overlay, paths);
        using var controlSocket = Control.ControlSocket.TryStart(settings.Control, control, out string? controlError);
        if (controlError is not null) stderr.WriteLine("oomwarden: warning: " + controlError);
        else if (controlSocket is not null)
            stderr.WriteLine($"oomwarden: control socket {controlSocket.Path} ({(settings.Control.Group is null ? "0600, root only" : $"0660, group {settings.Control.Group} may ask for status")})");
        using var metricsFile = Control.MetricsTextfile.TryStart(control, log, out string? metricsError);
        if (metricsError is not null) stderr.WriteLine("oomwarden: warning: " + metricsError);
        else if (settings.Metrics.Textfile is { } textfile) stderr.WriteLine($"oomwarden: metrics textfile {textfile} every {Configuration.Units.FormatDuration(settings.Metrics.Interval)}");
        using var metricsHttp = Control.MetricsHttp.TryStart(settings.Metrics, control, out string? httpError);
        if (httpError is not null) stderr.WriteLine("oomwarden: warning: " + httpError);
        else if (metricsHttp is not null) stderr.WriteLine($"oomwarden: metrics on http://{settings.Metrics.Listen}/metrics");
        signals.OnReload(() => control.RequestReload("SIGHUP", null));
        stderr.WriteLine("oomwarden: watching");
        journal.Append(new KillEvent { Event = "start", Time = DateTimeOffset.UtcNow, DryRun = settings.Action.DryRun, Message = config.Source + recovering, Sha256 = control.Config.Sha256 }, sync: unfinished.Count > 0);
        daemon.Runner.Recover(unfinished);
        foreach (var warning in StartupFootprint.Settle(paths, daemon.Host, daemon.Selector)) stderr.WriteLine("oomwarden: warning: " + warning);
        if (StartupFootprint.WorkingSetTrimCycle(paths, daemon.Runner, daemon.Host, () => daemon.Selector, line => log("oomwarden: " + line)) is { } trim)
            daemon.Runner.AddIdleWork(trim);
        // Type=notify: READY once the first tick ran and every wake-up is armed; WATCHDOG=1 from the loop.
        using var notify = Linux.Notify.SdNotify.FromEnvironment(out string? notifyError);
        if (notifyError is not null) stderr.WriteLine("oomwarden: warning: " + notifyError);
        if (notify is not null)
        {
            daemon.Runner.Notify = notify;
            daemon.Runner.WatchdogInterval = Linux.Notify.SdNotify.WatchdogInterval();
            notify.Status($"watching {domains.Cgroups.Length} limited cgroup(s){(settings.System.Enabled ? " and the system" : "")}{(settings.Action.DryRun ? " (dry run)" : "")}");
            notify.Ready();
            var notifyStatus = new Control.NotifyStatus(notify, daemon, activity);
            control.Notify = notifyStatus;
            daemon.Bus.Subscribe(notifyStatus);
        }
        daemon.Runner.Run();
        notify?.Stopping();
        daemon.OomDelay?.Dispose();  // every oom_delay setting back before the stop line
        kernelKills?.Dispose(); // no report counted after the last reading
        daemon.Accounting.Stop();
        stderr.WriteLine($"oomwarden: stopping ({daemon.Engine.State.Kills} kill(s), {kernelKills?.Kills ?? 0} kill(s) by the kernel, "
            + $"{daemon.Runner.Rescans} cgroup rescan(s), {readFailures.Failures} failed read(s), {journal.WriteFailures} failed journal write(s); "
            + $"{daemon.Accounting.Counters.Summary()})");
        journal.Append(new KillEvent { Event = "stop", Time = DateTimeOffset.UtcNow, DryRun = settings.Action.DryRun }, sync: true);
        return ExitCodes.Ok;
    }

    private static string[] Describe(IReadOnlyList<Core.Engine.RecoveredSignal> unfinished)
    {
        var described = new string[unfinished.Count];
        for (int i = 0; i < described.Length; i++)
        {
            var u = unfinished[i];
            described[i] = $"pid {u.Pid} ({u.Comm}, {Signals.Name(u.Signal)} at {u.Time.UtcDateTime:HH:mm:ss.fff}Z, domain {u.Domain})";
        }
        return described;
    }
}
