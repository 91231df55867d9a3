using OomWarden.Core.Engine;
using OomWarden.Core.Settings;
using OomWarden.Integration.Tests.Infrastructure;
using OomWarden.Linux.Notify;

namespace OomWarden.Integration.Tests.Notify;

/// <summary>[notify] low_memory_monitor against real peers: a private system bus (dbus-daemon with the shipped
/// policy file) and GLib's own GMemoryMonitor (python3-gi), which must report low-memory-warning with the level.</summary>
public sealed class LowMemoryMonitorTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);
    private static readonly string Client = Path.Combine(Repo.Root, "tests", "helpers", "dbus", "gmemorymonitor.py");

    internal static WarningChanged Change(WarningLevel from, WarningLevel to) =>
        new(DateTimeOffset.UtcNow, new SystemDomain(new SystemThresholds(), 0), from, to, 1 << 30);

    internal static LineProcess StartGLibClient(PrivateBus bus)
    {
        var client = LineProcess.Start("/usr/bin/python3", [Client], new Dictionary<string, string?>
        {
            ["DBUS_SYSTEM_BUS_ADDRESS"] = bus.Address,
            ["GIO_USE_MEMORY_MONITOR"] = null,
            ["GIO_USE_PORTALS"] = null,
            ["DBUS_SESSION_BUS_ADDRESS"] = "unix:path=/nonexistent",
        });
        return client;
    }

    /// <summary>GLib creates its proxy asynchronously after the name appears: post low until the client hears one.</summary>
    internal static bool WarmUp(LowMemoryMonitorService service, LineProcess client)
    {
        for (int i = 0; i < 150; i++)
        {
            service.TryPost(50);
            if (client.WaitLine(l => l.StartsWith("warning 50", StringComparison.Ordinal), TimeSpan.FromMilliseconds(200)) is not null) return true;
        }
        return false;
    }

    [Fact]
    public void GLibClientReceivesEachLevelFromTheSink()
    {
        using var bus = PrivateBus.System();
        var log = new List<string>();
        using var sink = new LowMemoryMonitorSink(new LowMemoryMonitorService(bus.Address, l => { lock (log) log.Add(l); }));
        using var client = StartGLibClient(bus);
        var ready = client.WaitLine(l => l.StartsWith("ready", StringComparison.Ordinal), Wait);
        Assert.True(ready is not null, "the GLib client never saw the name: " + client.Stderr + "\nlog: " + string.Join('\n', log));
        Assert.Contains("GMemoryMonitorDBus", ready);
        Assert.True(WarmUp(sink.Service, client), "no warning reached the GLib client: " + client.Stderr);
        // Warm-up signals may still be in flight: skip the 50s, then the sink's own levels, in order.
        sink.Publish(Change(WarningLevel.Low, WarningLevel.Medium));
        sink.Publish(Change(WarningLevel.Medium, WarningLevel.Critical));
        sink.Publish(Change(WarningLevel.Critical, WarningLevel.None)); // nothing: low-memory-monitor has no all-clear
        sink.Publish(Change(WarningLevel.None, WarningLevel.Low));
        Assert.StartsWith("warning 100 ", client.WaitLine(l => !l.StartsWith("warning 50 ", StringComparison.Ordinal), Wait));
        Assert.StartsWith("warning 255 ", client.NextLine(Wait));
        Assert.StartsWith("warning 50 ", client.NextLine(Wait));
        Assert.Null(client.NextLine(TimeSpan.FromMilliseconds(300)));
        Assert.Contains(log, l => l.Contains("owning org.freedesktop.LowMemoryMonitor", StringComparison.Ordinal));
        var counters = new List<Core.Engine.CounterSample>();
        sink.Collect(counters);
        Assert.True(counters.Single(c => c.Name == "oomwarden_notify_sent_total").Value >= 4);
    }

    [Fact]
    public void AnswersIntrospectAndPing()
    {
        using var bus = PrivateBus.System();
        using var service = new LowMemoryMonitorService(bus.Address, _ => { });
        Assert.True(SpinWait.SpinUntil(() => service.Owning, Wait), "never owned the name");
        var introspect = Sh.Run("/usr/bin/gdbus", ["introspect", "--address", bus.Address, "--dest", LowMemoryMonitorService.BusName,
            "--object-path", LowMemoryMonitorService.ObjectPath, "--xml"], Wait);
        Assert.True(introspect.ExitCode == 0, introspect.Stderr);
        Assert.Contains("<interface name=\"org.freedesktop.LowMemoryMonitor\">", introspect.Stdout);
        Assert.Contains("<signal name=\"LowMemoryWarning\">", introspect.Stdout);
        Assert.Contains("type=\"y\"", introspect.Stdout);
        var ping = Sh.Run("/usr/bin/dbus-send", ["--bus=" + bus.Address, "--print-reply", "--dest=" + LowMemoryMonitorService.BusName,
            LowMemoryMonitorService.ObjectPath, "org.freedesktop.DBus.Peer.Ping"], Wait);
        Assert.True(ping.ExitCode == 0, ping.Stderr);
        Assert.Contains("method return", ping.Stdout);
    }

    [Fact]
    public void NoBusAtStartIsLoggedOnceThenTheNameIsTakenWhenTheBusComes()
    {
        string dir = TestHelpers.NewTempDirectory("oomwarden-nobus");
        var log = new List<string>();
        try
        {
            // The first bus is absent: the service retries with backoff; a second bus at another address is not its.
            using var service = new LowMemoryMonitorService("unix:path=" + Path.Combine(dir, "absent"), l => { lock (log) log.Add(l); });
            Assert.True(SpinWait.SpinUntil(() => service.Errors >= 2, Wait), "no retry");
            lock (log) Assert.Single(log, l => l.Contains("no system bus", StringComparison.Ordinal));
            Assert.False(service.Owning);
            Assert.False(service.TryPost(50) && service.Sent > 0);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void ReconnectsWhenTheBusRestarts()
    {
        var log = new List<string>();
        string address;
        LowMemoryMonitorService service;
        using (var first = PrivateBus.System())
        {
            address = first.Address;
            service = new LowMemoryMonitorService(first.Address, l => { lock (log) log.Add(l); });
            Assert.True(SpinWait.SpinUntil(() => service.Owning, Wait), "never owned the name");
        }
        using (service)
        {
            Assert.True(SpinWait.SpinUntil(() => !service.Owning, Wait), "never noticed the bus went away");
            lock (log) Assert.Contains(log, l => l.Contains("lost the system bus", StringComparison.Ordinal));
            // A new bus on the same socket path (the old one's directory is gone: serve it from a fresh config).
            using var second = PrivateBus.SystemAt(address);
            Assert.True(SpinWait.SpinUntil(() => service.Connects >= 2, TimeSpan.FromSeconds(90)), "never reconnected: " + string.Join('\n', log));
            using var client = StartGLibClient(second);
            Assert.NotNull(client.WaitLine(l => l.StartsWith("ready", StringComparison.Ordinal), Wait));
            Assert.True(WarmUp(service, client), "no warning after the reconnect: " + client.Stderr);
        }
    }
}
