using OomWarden.Core.Engine;
using OomWarden.Core.Model;

namespace OomWarden.Linux.Notify;

/// <summary><c>[notify] low_memory_monitor = true</c>: the system domain's warning changes, as <c>LowMemoryWarning</c>
/// on the system bus. A change to low, medium or critical (up or down) is one signal with 50, 100 or 255; a fall
/// to none sends nothing (low-memory-monitor has no "all clear"). Publish only queues: the loop never waits.</summary>
public sealed class LowMemoryMonitorSink : IEventSink, ICounterSource, IDisposable
{
    private static readonly KeyValuePair<string, string>[] Labels = [new("channel", "low_memory_monitor")];

    public LowMemoryMonitorSink(LowMemoryMonitorService service) => Service = service;

    public LowMemoryMonitorService Service { get; }

    public void Publish(EngineEvent e)
    {
        if (e is not WarningChanged w || w.Domain.Domain.Kind != DomainKind.System) return;
        byte level = LowMemoryMonitorService.GLibLevel(w.To);
        if (level != 0) Service.TryPost(level);
    }

    public void Collect(List<CounterSample> into)
    {
        into.Add(new CounterSample("oomwarden_notify_sent_total", "Notifications delivered, by channel.", Service.Sent, Labels));
        into.Add(new CounterSample("oomwarden_notify_dropped_total", "Notifications dropped (queue full or no bus), by channel.", Service.Dropped, Labels));
        into.Add(new CounterSample("oomwarden_notify_errors_total", "Failed connects, name requests and sends, by channel.", Service.Errors, Labels));
    }

    public void Dispose() => Service.Dispose();
}
