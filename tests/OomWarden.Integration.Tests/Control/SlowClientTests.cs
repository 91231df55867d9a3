using System.Net.Sockets;
using System.Text;
using OomWarden.Integration.Tests.Infrastructure;

namespace OomWarden.Integration.Tests.Control;

/// <summary>Clients that misbehave cost the daemon a buffer, never its loop: 100 silent connections (more than the
/// 64 it keeps: the oldest are evicted), one that sends half a request, one that asks for status and never reads,
/// and one that sends 8 KiB without a newline (answered bad_request, closed); meanwhile a well-behaved status is
/// answered and the daemon still decides (a dry-run kill of a hog started afterwards).</summary>
public sealed class SlowClientTests
{
    [Fact]
    public void Silent_half_and_oversized_clients_do_not_stop_status_or_decisions()
    {
        using var cg = V1MemoryCgroup.Create("oomwarden-slow", 64L << 20);
        using var f = new ControlFixture();
        f.WriteConfig(cg.Path);
        using var daemon = DaemonProcess.Start("run", "--dry-run", "--config", f.ConfigPath);
        var held = new List<Socket>();
        try
        {
            for (int i = 0; i < 100; i++) held.Add(Connect(f.Socket));
            var half = Connect(f.Socket);
            half.Send("{\"request\":\"sta"u8.ToArray());
            held.Add(half);
            var nonReader = Connect(f.Socket);
            nonReader.ReceiveBufferSize = 1024;
            for (int i = 0; i < 50; i++) nonReader.Send("{\"request\":\"status\"}\n"u8.ToArray());
            held.Add(nonReader);

            using var big = Connect(f.Socket);
            big.Send(Encoding.ASCII.GetBytes(new string('x', 8192)));
            big.ReceiveTimeout = 10_000;
            var buffer = new byte[4096];
            int n = big.Receive(buffer);
            Assert.Contains("\"code\":\"bad_request\"", Encoding.UTF8.GetString(buffer, 0, n));

            var status = f.Client("status", "--json", "--socket", f.Socket);
            Assert.True(status.ExitCode == 0, $"status among bad clients: exit {status.ExitCode}: {status.Stderr}\n{daemon.Log}");

            var hog = cg.Start(TestHelpers.Hog, "-s", "56", "-r", "0", "-L", "60");
            Assert.StartsWith("READY", hog.StandardOutput.ReadLine());
            Assert.True(ControlFixture.WaitUntil(() => daemon.Log.Contains("dry-run: would send SIGTERM to pid " + hog.Id, StringComparison.Ordinal), TimeSpan.FromSeconds(30)),
                "no decision with bad clients connected:\n" + daemon.Log);
            hog.Kill();
        }
        finally
        {
            foreach (var s in held) s.Dispose();
        }
    }

    private static Socket Connect(string path)
    {
        var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        s.Connect(new UnixDomainSocketEndPoint(path));
        return s;
    }
}
