using OomWarden.Core.Settings;

namespace OomWarden.Daemon;

/// <summary>Settings a reload cannot change: they are bound to what the daemon opened or armed at start. A reload
/// that changes them reports each by name and keeps the running value (never half-applied); the rest takes effect.
/// The command line's own choices (--events, --dry-run, --no-mlock, --proc-root, --sys-root, --kmsg) are not in
/// the file and stay as given.</summary>
public static class RestartOnly
{
    /// <summary>"[action] events (the journal stays /var/lib/...)", ... for each restart-only setting that differs.</summary>
    public static IReadOnlyList<string> Changed(DaemonSettings running, DaemonSettings next)
    {
        var changed = new List<string>();
        if (running.Action.EventsPath != next.Action.EventsPath) changed.Add($"[action] events (the journal stays {running.Action.EventsPath})");
        if (running.Monitor.Events != next.Monitor.Events) changed.Add("[monitor] events (kernel wake-ups and the PSI trigger are armed at start)");
        if (running.Control.Socket != next.Control.Socket) changed.Add($"[control] socket (the socket stays {(running.Control.Socket.Length == 0 ? "off" : running.Control.Socket)})");
        if (running.Control.Group != next.Control.Group) changed.Add("[control] group (the socket's owner and mode are set at start)");
        // [cgroups] oom_delay and rules' oom_delay are reloaded (OomDelayController.Reconfigure); the margin sets v2's
        // windows and the state file is the guard's, both from start.
        if (running.Cgroups.OomDelayHighMargin != next.Cgroups.OomDelayHighMargin || running.Cgroups.OomDelayState != next.Cgroups.OomDelayState)
            changed.Add("[cgroups] oom_delay_high_margin, oom_delay_state (memory.high windows and the guard's state file are set up at start)");
        if (running.Action.RestartLoop != next.Action.RestartLoop)
            changed.Add("[action] restart_loop, restart_loop_priority (the loop detector keeps its window from start)");
        if (running.Notify.Socket != next.Notify.Socket || running.Notify.PressureSocket != next.Notify.PressureSocket)
            changed.Add("[notify] socket, pressure_socket (the sockets are opened at start)");
        if (running.Levels.Repeat != next.Levels.Repeat) changed.Add("[levels] repeat (the pressure socket's pace is set at start)");
        if (running.Metrics.Listen != next.Metrics.Listen || running.Metrics.AllowRemote != next.Metrics.AllowRemote)
            changed.Add($"[metrics] listen (the listener stays {running.Metrics.Listen ?? "off"})");
        if (running.Metrics.Textfile is null && next.Metrics.Textfile is not null)
            changed.Add("[metrics] textfile (off at start: its timer is set up at start)");
        return changed;
    }

    /// <summary><paramref name="next"/> with every restart-only setting at its running value.</summary>
    public static DaemonSettings KeepRunning(DaemonSettings running, DaemonSettings next) => next with
    {
        Action = next.Action with { EventsPath = running.Action.EventsPath, RestartLoop = running.Action.RestartLoop },
        Monitor = next.Monitor with { Events = running.Monitor.Events },
        Cgroups = next.Cgroups with
        {
            OomDelayHighMargin = running.Cgroups.OomDelayHighMargin,
            OomDelayState = running.Cgroups.OomDelayState,
        },
        Control = running.Control,
        Notify = next.Notify with { Socket = running.Notify.Socket, PressureSocket = running.Notify.PressureSocket },
        Levels = next.Levels with { Repeat = running.Levels.Repeat },
        Metrics = next.Metrics with
        {
            Listen = running.Metrics.Listen,
            AllowRemote = running.Metrics.AllowRemote,
            Textfile = running.Metrics.Textfile is null ? null : next.Metrics.Textfile,
        },
    };
}
