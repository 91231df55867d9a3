using System.Net.Sockets;
using System.Text;
using OomWarden.Linux.Notify;

namespace OomWarden.Linux.Tests.Notify;

/// <summary>SdNotify against a real AF_UNIX datagram socket standing in for systemd's NOTIFY_SOCKET.</summary>
public sealed class SdNotifyTests
{
    private static string Receive(Socket server)
    {
        var buffer = new byte[4096];
        server.ReceiveTimeout = 5000;
        int n = server.Receive(buffer);
        return Encoding.UTF8.GetString(buffer, 0, n);
    }

    [Fact]
    public void Messages_arrive_one_datagram_each_on_a_path_socket()
    {
        string dir = Path.Combine(Path.GetTempPath(), "oomwarden-notify-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        string path = Path.Combine(dir, "notify");
        try
        {
            using var server = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
            server.Bind(new UnixDomainSocketEndPoint(path));
            using var notify = SdNotify.TryOpen(path, out string? error);
            Assert.Null(error);
            Assert.NotNull(notify);
            Assert.True(notify.Ready());
            Assert.True(notify.Status("system ok, 3 cgroups\nwatching"));
            Assert.True(notify.Watchdog());
            Assert.True(notify.Reloading());
            Assert.True(notify.Stopping());
            Assert.Equal("READY=1", Receive(server));
            Assert.Equal("STATUS=system ok, 3 cgroups watching", Receive(server));
            Assert.Equal("WATCHDOG=1", Receive(server));
            Assert.Equal("RELOADING=1", Receive(server));
            Assert.Equal("STOPPING=1", Receive(server));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void An_abstract_address_works_and_a_vanished_listener_gives_false()
    {
        string name = "oomwarden-test-" + Guid.NewGuid().ToString("N");
        var server = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        server.Bind(new UnixDomainSocketEndPoint("\0" + name));
        using var notify = SdNotify.TryOpen("@" + name, out _);
        Assert.NotNull(notify);
        Assert.True(notify.Watchdog());
        Assert.Equal("WATCHDOG=1", Receive(server));
        server.Dispose();
        Assert.False(notify.Watchdog());
    }

    [Theory]
    [InlineData("relative/path")]
    [InlineData("")]
    [InlineData("/nonexistent-oomwarden-dir/notify")]
    public void A_bad_or_missing_socket_is_an_error_not_an_exception(string address)
    {
        Assert.Null(SdNotify.TryOpen(address, out string? error));
        Assert.NotNull(error);
    }

    [Theory]
    [InlineData("30000000", null, 100, 30.0)]
    [InlineData("30000000", "100", 100, 30.0)]
    [InlineData("30000000", "101", 100, null)]
    [InlineData("0", null, 100, null)]
    [InlineData("x", null, 100, null)]
    [InlineData(null, null, 100, null)]
    public void The_watchdog_interval_is_for_this_pid_only(string? usec, string? pid, int self, double? seconds)
    {
        bool ok = SdNotify.TryParseWatchdog(usec, pid, self, out var interval);
        Assert.Equal(seconds is not null, ok);
        if (seconds is { } s) Assert.Equal(TimeSpan.FromSeconds(s), interval);
    }
}
