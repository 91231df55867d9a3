using OomWarden.Integration.Tests.Infrastructure;

namespace OomWarden.Integration.Tests.Notify;

/// <summary>End to end: the real daemon (dry run: it signals nothing) with a `low` level loose enough that this host's
/// system domain holds it now, `low_memory_monitor = true` on a private system bus, and GLib's own GMemoryMonitor
/// as the client. The level machine's `WarningChanged` goes through the bus to the D-Bus sink and out as
/// LowMemoryWarning(50); the journal's `level` record says the same.</summary>
public sealed class DaemonLowMemoryMonitorTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    [Fact]
    public void A_running_daemon_warns_a_GLib_client_when_the_system_is_at_low()
    {
        using var bus = PrivateBus.System();
        string dir = TestHelpers.NewTempDirectory("oomwarden-lmm");
        try
        {
            string events = Path.Combine(dir, "events.jsonl");
            // available <= 99 % of MemTotal holds on any machine (the kernel keeps some); medium and critical off.
            // repeat = 1s: the level is announced again while it holds, so a client whose proxy comes up late hears it.
            string config = new ConfinedConfig(dir)
            {
                ConfineSystem = false,
                ControlSocket = "",
                Tables = """
                    [levels]
                    low = { available = "99%" }
                    medium = {}
                    critical = {}
                    repeat = "1s"
                    [notify]
                    low_memory_monitor = true
                    """,
            }.Write();
            using var daemon = DaemonProcess.Start(new Dictionary<string, string> { ["DBUS_SYSTEM_BUS_ADDRESS"] = bus.Address },
                "run", "--dry-run", "--no-mlock", "--config", config);
            // The client says "ready" once the daemon owns the name on the bus.
            using var client = LowMemoryMonitorTests.StartGLibClient(bus);
            Assert.True(client.WaitLine(l => l.StartsWith("ready", StringComparison.Ordinal), Wait) is not null,
                "the GLib client never saw the name:\n" + client.Stderr + "\n" + daemon.Log);

            string? warning = client.WaitLine(l => l.StartsWith("warning ", StringComparison.Ordinal), Wait);
            Assert.True(warning is not null, "no warning reached the GLib client:\n" + client.Stderr + "\n" + daemon.Log);
            Assert.StartsWith("warning 50 ", warning);
            Assert.Equal(0, daemon.Stop(TimeSpan.FromSeconds(10)));
            var level = EventLog.Read(events).First(e => e.GetProperty("event").GetString() == "level");
            Assert.Equal("system", level.GetProperty("domain").GetString());
            Assert.Equal("low", level.GetProperty("level").GetString());
            Assert.Contains("owning org.freedesktop.LowMemoryMonitor", daemon.Log);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
