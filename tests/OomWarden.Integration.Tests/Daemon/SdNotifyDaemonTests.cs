using System.Net.Sockets;
using System.Text;
using OomWarden.Integration.Tests.Infrastructure;

namespace OomWarden.Integration.Tests.Daemon;

/// <summary>The real daemon as systemd's Type=notify service sees it: a datagram socket stands in for NOTIFY_SOCKET;
/// the daemon sends READY=1 (after a STATUS=) once it watches, WATCHDOG=1 from its loop every half WATCHDOG_USEC even
/// while idle (its idle sleep is up to 10 s), and STOPPING=1 at SIGTERM. Dry run, confined to the test's cgroup.</summary>
public sealed class SdNotifyDaemonTests
{
    [Fact]
    public void Ready_then_watchdog_pings_from_the_loop_then_stopping()
    {
        using var cg = V1MemoryCgroup.Create("oomwarden-notify", 64L << 20);
        string dir = TestHelpers.NewTempDirectory("oomwarden-it");
        string socketPath = Path.Combine(dir, "notify.sock");
        using var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        try
        {
            socket.Bind(new UnixDomainSocketEndPoint(socketPath));
            socket.ReceiveTimeout = 5000;
            string config = new ConfinedConfig(dir, cg.Path).Write();
            var env = new Dictionary<string, string> { ["NOTIFY_SOCKET"] = socketPath, ["WATCHDOG_USEC"] = "400000" };
            using var daemon = DaemonProcess.Start(env, "run", "--dry-run", "--config", config);

            var messages = new List<string>();
            var buffer = new byte[4096];
            // 3 s counted from READY=1, not from the start: a loaded machine may take seconds to start the daemon.
            var until = DateTime.UtcNow + TimeSpan.FromSeconds(60);
            bool readySeen = false;
            while (DateTime.UtcNow < until)
            {
                int n;
                try
                {
                    n = socket.Receive(buffer);
                }
                catch (SocketException) when (!readySeen)
                {
                    continue;  // the 5 s receive timeout, still starting
                }
                messages.Add(Encoding.UTF8.GetString(buffer, 0, n));
                if (!readySeen && messages[^1] == "READY=1")
                {
                    readySeen = true;
                    until = DateTime.UtcNow + TimeSpan.FromSeconds(3);
                }
            }
            int exit = daemon.Stop(TimeSpan.FromSeconds(10));
            while (socket.Available > 0) messages.Add(Encoding.UTF8.GetString(buffer, 0, socket.Receive(buffer)));

            string all = string.Join(" | ", messages);
            Assert.Equal(0, exit);
            int ready = messages.IndexOf("READY=1");
            Assert.True(ready >= 0, "no READY=1: " + all + "\n" + daemon.Log);
            Assert.StartsWith("STATUS=watching 1 limited cgroup(s)", messages[ready - 1]);
            // 3 s after READY=1 with a 0.4 s watchdog: a ping every 0.2 s; at least 8 even on a loaded machine.
            int pings = messages.Skip(ready).Count(m => m == "WATCHDOG=1");
            Assert.True(pings >= 8, $"{pings} WATCHDOG=1 in 3 s: {all}");
            Assert.Equal("STOPPING=1", messages[^1]);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
