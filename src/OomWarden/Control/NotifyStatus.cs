using System.Text;
using OomWarden.Core.Detection;
using OomWarden.Core.Engine;
using OomWarden.Daemon;
using OomWarden.Linux.Notify;

namespace OomWarden.Control;

/// <summary>systemd's STATUS= line with the levels ("watching 3 domain(s): all ok", "…: /batch term, system
/// prepare", "PAUSED; …"), sent when a level or warning changes, at pause/resume and after a reload: never per tick.</summary>
public sealed class NotifyStatus : IEventSink
{
    private readonly SdNotify _notify;
    private readonly DaemonRuntime _runtime;
    private readonly ActivityRecorder _activity;
    private readonly int _loopThread = Environment.CurrentManagedThreadId;
    private string _last = "";

    public NotifyStatus(SdNotify notify, DaemonRuntime runtime, ActivityRecorder activity)
    {
        _notify = notify;
        _runtime = runtime;
        _activity = activity;
    }

    public void Publish(EngineEvent e)
    {
        // Level changes come from the loop; the kernel-log thread's events do not change a level.
        if (e is LevelChanged or WarningChanged && Environment.CurrentManagedThreadId == _loopThread) Update();
    }

    public void Reloading() => _notify.Reloading();

    public void ReadyAgain()
    {
        _notify.Ready();
        _last = "";
        Update();
    }

    public void Update()
    {
        string text = Text(_runtime, _activity);
        if (text == _last) return;
        _last = text;
        _notify.Status(text);
    }

    public static string Text(DaemonRuntime runtime, ActivityRecorder activity)
    {
        var sb = new StringBuilder();
        if (runtime.Engine.State.Paused) sb.Append("PAUSED (watching, not acting); ");
        if (runtime.Runner.Settings.Action.DryRun) sb.Append("dry run; ");
        var domains = runtime.Engine.Domains;
        sb.Append("watching ").Append(domains.Length).Append(" domain(s): ");
        int shown = 0;
        foreach (var d in domains)
        {
            var warning = activity.WarningOf(d.Name);
            if (d.Level == PressureLevel.None && warning is null or WarningLevel.None) continue;
            if (shown++ > 0) sb.Append(", ");
            if (shown > 8) { sb.Append("..."); break; }
            sb.Append(d.Name).Append(' ').Append(StatusJson.LevelName(d.Level));
            if (warning is { } w and not WarningLevel.None) sb.Append(" (warning ").Append(w.ToString().ToLowerInvariant()).Append(')');
        }
        if (shown == 0) sb.Append("all ok");
        return sb.ToString();
    }
}
