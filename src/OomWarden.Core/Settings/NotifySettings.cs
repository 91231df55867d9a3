namespace OomWarden.Core.Settings;

/// <summary>One <c>[notify] hooks</c> entry: a program run (no shell) for the events it names.</summary>
public sealed record HookSettings
{
    /// <summary>The program (an absolute path to an executable regular file) and its arguments.</summary>
    public required IReadOnlyList<string> Argv { get; init; }

    /// <summary>The events it runs for: "level", "kill", "kernel_kill".</summary>
    public IReadOnlyList<string> On { get; init; } = ["level", "kill"];

    /// <summary>At this time its process group is SIGKILLed.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(5);
}

/// <summary>Config <c>[notify]</c>: the daemon's sockets (empty = off) and its D-Bus and program channels
/// (low-memory-monitor's signal, desktop notifications of kills, hooks).</summary>
public sealed record NotifySettings
{
    /// <summary>oomwarden's own protocol (AF_UNIX stream, newline-delimited JSON).</summary>
    public string Socket { get; init; } = "";

    /// <summary>systemd's memory pressure protocol (for <c>$MEMORY_PRESSURE_WATCH</c>).</summary>
    public string PressureSocket { get; init; } = "";

    /// <summary>Own org.freedesktop.LowMemoryMonitor on the system bus and emit LowMemoryWarning.</summary>
    public bool LowMemoryMonitor { get; init; }

    /// <summary>Show each kill with org.freedesktop.Notifications.Notify on the victim's user's session bus.</summary>
    public bool Desktop { get; init; }

    public IReadOnlyList<HookSettings> Hooks { get; init; } = [];

    public static readonly string[] HookEvents = ["level", "kill", "kernel_kill"];
}
