using OomWarden.Configuration;
using OomWarden.Core.Decisions;
using OomWarden.Core.Engine;
using OomWarden.Linux;
using OomWarden.Linux.Loop;

namespace OomWarden.Daemon;

/// <summary>The composition root: everything the daemon runs, built from one configuration and the host's roots.
/// <c>run</c>, <c>bench tick</c> and the tests build the daemon through here, so they measure and test what ships.
/// Settings are captured once; a reload (later) builds a new runtime and hands it the old engine's state.</summary>
public sealed class DaemonRuntime : IDisposable
{
    private HostPaths _paths = HostPaths.Default;
    private TimeProvider _time = TimeProvider.System;
    private string _instanceId = "0";
    private IReadFailures? _failures;
    private Action<string> _log = static _ => { };

    private RestartLoopDetector? _loops;

    private DaemonRuntime(LoadedConfig config, LiveHost host, EventLoop loop, EventBus bus, EngineHost runner, PsiTrigger? psi, string psiStatus, IVictimSelector selector,
        KillAccounting accounting)
    {
        Accounting = accounting;
        Selector = selector;
        Config = config;
        Host = host;
        Loop = loop;
        Bus = bus;
        Runner = runner;
        Psi = psi;
        PsiStatus = psiStatus;
    }

    public LoadedConfig Config { get; private set; }
    public IVictimSelector Selector { get; private set; }

    /// <summary>Every part that keeps counters registers here (kernel kills, warnings, kills, released bytes...);
    /// status and the metrics show them all, whatever they are. Survives a reload.</summary>
    public CounterRegistry Counters { get; } = new();
    public LiveHost Host { get; }
    public EventLoop Loop { get; }

    /// <summary>Journal and log subscribe here; every output of the daemon passes through it.</summary>
    public EventBus Bus { get; }

    public EngineHost Runner { get; }

    /// <summary>Kill counters (an <see cref="ICounterSource"/>) and restart loops; the first subscriber of <see cref="Bus"/>.</summary>
    public KillAccounting Accounting { get; }
    public OomEngine Engine => Runner.Engine;
    public DomainSet Domains => Runner.Domains;
    public PsiTrigger? Psi { get; }

    /// <summary>oom_delay (issue 11): null while no cgroup can have a delay (created by the first reload that gives
    /// one a delay), in a dry run, or on fixture roots.</summary>
    public OomDelayController? OomDelay => Runner.OomDelay;

    /// <summary>The PSI trigger used, or "off (reason)".</summary>
    public string PsiStatus { get; }

    /// <summary>Builds the daemon. Throws <see cref="IOException"/> when the host cannot be read (fail fast at start).</summary>
    /// <param name="instanceId">Prefix of this instance's signal ids in the journal.</param>
    public static DaemonRuntime Build(LoadedConfig config, HostPaths paths, TimeProvider time, string instanceId,
        IReadFailures? failures = null, EngineState? state = null, Action<string>? log = null)
    {
        var settings = config.Settings;
        var host = LiveHost.Open(paths);
        var loop = new EventLoop();
        var bus = new EventBus();
        PsiTrigger? psi = null;
        string psiStatus = "off";
        // Kernel control files are written only under the real roots: a fixture tree is read, never written.
        if (settings.Monitor.Events && paths.ProcRoot == HostPaths.Default.ProcRoot)
        {
            psi = PsiTrigger.TryAdd(loop, paths.PressureMemoryPath, out string? psiError);
            psiStatus = psi?.Trigger ?? "off (" + psiError + ")";
        }
        var domains = new DomainSet(settings, host, paths, loop, failures,
            armWakeups: settings.Monitor.Events && paths.SysRoot == HostPaths.Default.SysRoot);
        // Kill accounting first on the bus: the journal's kill record then carries the restart-loop mark.
        var loops = new RestartLoopDetector(settings.Action.RestartLoop, time);
        var accounting = new KillAccounting(new KillCounters(), loops, bus, time);
        bus.Subscribe(accounting);
        if (settings.Action.RestartLoop is { Enabled: true, Priority: not null }) config.Policy.Override = loops;
        var reclaim = ReclaimRunner.TryCreate(host, paths, loop, config.Policy, log);
        var engine = new OomEngine(EngineOptions.From(settings, instanceId) with { Reclaim = ReclaimRunner.OptionsFor(reclaim, settings, config.Policy) },
            time, bus, state);
        var selector = VictimSelectors.Create(settings, config.Policy, Environment.ProcessId, paths.PageSizeBytes);
        var runner = new EngineHost(settings, domains, engine, selector, host, loop, time) { Reclaim = reclaim };
        runner.WatchedChanged = () => accounting.WatchedChanged(Watched(domains));
        log ??= static _ => { };
        StartOomDelay(settings, config.Policy, paths, loop, time, bus, runner, log);
        var runtime = new DaemonRuntime(config, host, loop, bus, runner, psi, psiStatus, selector, accounting)
        {
            _paths = paths,
            _time = time,
            _instanceId = instanceId,
            _failures = failures,
            _loops = loops,
            _log = log,
        };
        runtime.Counters.Add(accounting.Counters);
        var reclaimCounters = new ReclaimCounters();
        bus.Subscribe(reclaimCounters);
        runtime.Counters.Add(reclaimCounters);
        runtime.StartNotify(settings, time);
        return runtime;
    }

    /// <summary>oom_delay's controller, when some cgroup can have a delay. It changes cgroup settings: only on the
    /// real roots (never in a fixture tree), never in a dry run. The guard process starts with the first cgroup armed.</summary>
    private static OomDelayController? StartOomDelay(Core.Settings.DaemonSettings settings, Core.Policy.CompiledPolicy policy, HostPaths paths,
        EventLoop loop, TimeProvider time, EventBus bus, EngineHost runner, Action<string> log)
    {
        if (!OomDelayController.IsConfigured(settings, policy) || settings.Action.DryRun || paths.SysRoot != HostPaths.Default.SysRoot) return null;
        string state = settings.Cgroups.OomDelayState;  // restart-only: the guard restores this file
        var delay = new OomDelayController(settings, policy, loop, time, log, timeout =>
        {
            var guard = OomGuardLink.TryStart(state, timeout, time, out string? error);
            if (guard is null) log($"oomwarden: warning: oom_delay guard: {error}");
            else log($"oomwarden: oom_delay guard started (pid {guard.Pid}, restores after {Configuration.Units.FormatDuration(timeout)} without a heartbeat)");
            return guard;
        });
        runner.OomDelay = delay;
        bus.Subscribe(delay);
        return delay;
    }

    /// <summary>A reload, on the loop's thread between two ticks: <paramref name="next"/> (already validated, with
    /// the command line's overrides applied) takes effect except for the settings only a restart can change, which
    /// keep their running values and are returned by name. The engine's state (kills in flight, levels, the ladder's
    /// memory, counters) carries over.</summary>
    public IReadOnlyList<string> Reconfigure(LoadedConfig next)
    {
        var running = Config.Settings;
        var restart = RestartOnly.Changed(running, next.Settings);
        var settings = RestartOnly.KeepRunning(running, next.Settings);
        var domains = new DomainSet(settings, Host, _paths, Loop, _failures,
            armWakeups: settings.Monitor.Events && _paths.SysRoot == HostPaths.Default.SysRoot);
        var engine = new OomEngine(EngineOptions.From(settings, _instanceId) with { Reclaim = ReclaimRunner.OptionsFor(Runner.Reclaim, settings, next.Policy) },
            _time, Bus, Engine.State);
        Runner.Reclaim?.Rebind(next.Policy);
        var selector = VictimSelectors.Create(settings, next.Policy, Environment.ProcessId, _paths.PageSizeBytes);
        if (settings.Action.RestartLoop is { Enabled: true, Priority: not null }) next.Policy.Override = _loops;
        // oom_delay takes the new delays before the swap's rescan, whose Sync applies them to the new domains (a
        // cgroup that stays the same keeps its wait). Off everywhere at start: the first reload that gives a cgroup
        // a delay starts the controller, as the start would have.
        if (Runner.OomDelay is { } oomDelay) oomDelay.Reconfigure(settings, next.Policy);
        else if (StartOomDelay(settings, next.Policy, _paths, Loop, _time, Bus, Runner, _log) is not null)
            _log("oomwarden: reload: oom_delay is on now (it was off for every cgroup at start)");
        Runner.Swap(settings, domains, engine, selector);
        Runner.WatchedChanged = () => Accounting.WatchedChanged(Watched(domains));
        Accounting.WatchedChanged(Watched(domains));
        EventSocket?.Rebind(engine, next.Policy);
        PressureSocket?.Rebind(engine);
        Config = next with { Settings = settings };
        Selector = selector;
        return restart;
    }

    /// <summary>[notify] socket (own protocol, also the release channel) and pressure_socket.</summary>
    public Notify.EventSocketServer? EventSocket { get; private set; }

    public Notify.PressureSocketServer? PressureSocket { get; private set; }

    /// <summary>Opens the [notify] sockets; throws <see cref="IOException"/> when one is configured and cannot be
    /// created safely (fail fast at start).</summary>
    private void StartNotify(Core.Settings.DaemonSettings settings, TimeProvider time)
    {
        if (settings.Notify.Socket.Length > 0)
        {
            EventSocket = Notify.EventSocketServer.TryStart(settings.Notify.Socket, Loop, Engine, Host.Processes, Config.Policy,
                settings.Action.DryRun, out string? error) ?? throw new IOException("[notify] socket: " + error);
            Bus.Subscribe(EventSocket);
            Counters.Add(EventSocket);
            Runner.Release = EventSocket;
        }
        if (settings.Notify.PressureSocket.Length > 0)
        {
            PressureSocket = Notify.PressureSocketServer.TryStart(settings.Notify.PressureSocket, Loop, Engine, Host.Processes, time,
                settings.Levels.Repeat, out string? error) ?? throw new IOException("[notify] pressure_socket: " + error);
            Bus.Subscribe(PressureSocket);
            Counters.Add(PressureSocket);
        }
    }

    /// <summary>The watched cgroups as the kill accounting reads them (path, directory, version).</summary>
    public static List<KillAccounting.Watched> Watched(DomainSet domains)
    {
        var list = new List<KillAccounting.Watched>(domains.Cgroups.Length);
        foreach (var c in domains.Cgroups) list.Add(new(c.Cgroup.Path, c.Directory, c.Version));
        return list;
    }

    public void Dispose()
    {
        EventSocket?.Dispose();
        PressureSocket?.Dispose();
        Runner.OomDelay?.Dispose();
        Runner.Dispose();
        Runner.Reclaim?.Dispose();
        Psi?.Dispose();
        Loop.Dispose();
        Host.Dispose();
    }
}
