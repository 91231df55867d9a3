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

    public LoadedConfig Config { get; }
    public IVictimSelector Selector { get; }
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

    /// <summary>The PSI trigger used, or "off (reason)".</summary>
    public string PsiStatus { get; }

    /// <summary>Builds the daemon. Throws <see cref="IOException"/> when the host cannot be read (fail fast at start).</summary>
    /// <param name="instanceId">Prefix of this instance's signal ids in the journal.</param>
    public static DaemonRuntime Build(LoadedConfig config, HostPaths paths, TimeProvider time, string instanceId,
        IReadFailures? failures = null, EngineState? state = null)
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
        var engine = new OomEngine(EngineOptions.From(settings, instanceId), time, bus, state);
        var selector = VictimSelectors.Create(settings, config.Policy, Environment.ProcessId, paths.PageSizeBytes);
        var runner = new EngineHost(settings, domains, engine, selector, host, loop, time);
        runner.WatchedChanged = () => accounting.WatchedChanged(Watched(domains));
        return new DaemonRuntime(config, host, loop, bus, runner, psi, psiStatus, selector, accounting);
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
        Runner.Dispose();
        Psi?.Dispose();
        Loop.Dispose();
        Host.Dispose();
    }
}
