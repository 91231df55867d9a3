using OomWarden.Core.Engine;
using OomWarden.Core.Settings;
using OomWarden.Linux.Notify;

namespace OomWarden.Notify;

/// <summary>The [notify] channels this file owns (low_memory_monitor, desktop, hooks), built from the settings and
/// subscribed to the bus; each does its I/O on its own worker thread. Disposed at stop.</summary>
public sealed class Notifiers : IDisposable
{
    private readonly List<IDisposable> _owned = [];

    private Notifiers() { }

    /// <summary>The counter sources (status and metrics collect them).</summary>
    public List<ICounterSource> Counters { get; } = [];

    /// <param name="runtimeRoot">Where the users' runtime directories are (<c>run --run-user-root</c>; /run/user).</param>
    public static Notifiers Start(DaemonSettings settings, EventBus bus, Action<string> log, string runtimeRoot = DesktopSink.DefaultRuntimeRoot)
    {
        var n = new Notifiers();
        var s = settings.Notify;
        if (s.LowMemoryMonitor)
            n.Add(new LowMemoryMonitorSink(new LowMemoryMonitorService(LowMemoryMonitorService.SystemBusAddress(), log)), bus);
        if (s.Desktop && Commands.Executables.Full() is { } self)  // the executable with notify-desktop, not oomwardend
            n.Add(new DesktopSink(self, log, runtimeRoot), bus);
        if (s.Hooks.Count > 0)
            n.Add(new HookSink(s.Hooks, settings.Action.DryRun, log), bus);
        return n;
    }

    private void Add<T>(T sink, EventBus bus) where T : IEventSink, ICounterSource, IDisposable
    {
        bus.Subscribe(sink);
        Counters.Add(sink);
        _owned.Add(sink);
    }

    public void Dispose()
    {
        foreach (var d in _owned) d.Dispose();
    }
}
