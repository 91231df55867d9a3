using System.Text.Json;
using OomWarden.Core.Engine;
using OomWarden.Core.Settings;
using OomWarden.Integration.Tests.Infrastructure;
using OomWarden.Notify;

namespace OomWarden.Integration.Tests.Notify;

/// <summary>[notify] desktop against real peers: a private session bus run as an unprivileged user (nobody), a
/// notification server owning org.freedesktop.Notifications on it, and the daemon's DesktopSink, which reaches it
/// only through `oomwarden notify-desktop` dropped to that user's uid (the bus refuses root).</summary>
public sealed class DesktopNotifyTests : IDisposable
{
    internal const int Nobody = 65534, NoGroup = 65534;
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);
    private readonly string _root = TestHelpers.NewTempDirectory("oomwarden-runuser");
    private readonly List<string> _log = [];

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }

    internal static Judged KillOf(string comm, string cgroup, int pid = 4242) => new(DateTimeOffset.UtcNow, new KillInFlight
    {
        Id = 1,
        SignalId = "test.1",
        Domain = new SystemDomain(new SystemThresholds(), 0),
        Pid = pid,
        StartTimeTicks = 1,
        Comm = comm,
        CgroupPath = cgroup,
        Reason = "MemAvailable 3% <= 5% & <b>markup</b>",
        FirstSignal = 15,
        Grace = TimeSpan.FromSeconds(2),
        AvailableBeforeBytes = 1 << 20,
    }, 512L << 20, TimeSpan.FromMilliseconds(40));

    private (PrivateBus Bus, LineProcess Server) StartSession() => StartSession(_root);

    /// <summary>A session bus of nobody at RUNTIME_ROOT/65534/bus (the directory owned by nobody, 0700, as logind
    /// makes /run/user/UID) and the notification server on it, run as nobody.</summary>
    internal static (PrivateBus Bus, LineProcess Server) StartSession(string runtimeRoot)
    {
        Repo.RequireBinary();
        if (!Sh.IsRoot) Assert.Skip("needs root: the test runs a session bus as another user");
        File.SetUnixFileMode(runtimeRoot, (UnixFileMode)0b111_101_101);
        var bus = PrivateBus.Session(Nobody, NoGroup, Path.Combine(runtimeRoot, Nobody.ToString()));
        string script = Path.Combine(bus.Directory, "notifications.py");
        File.Copy(Path.Combine(Repo.Root, "tests", "helpers", "dbus", "notifications.py"), script);
        var server = LineProcess.Start("/usr/bin/setpriv", [$"--reuid={Nobody}", $"--regid={NoGroup}", "--clear-groups", "/usr/bin/python3", script],
            new Dictionary<string, string?> { ["DBUS_SESSION_BUS_ADDRESS"] = bus.Address, ["HOME"] = bus.Directory });
        if (server.WaitLine(l => l == "ready", Wait) is null)
        {
            bus.Dispose();
            Assert.Fail("the notification server never owned its name: " + server.Stderr);
        }
        return (bus, server);
    }

    [Fact]
    public void AKillIsShownOnTheSessionBusOfItsUser()
    {
        var (bus, server) = StartSession();
        using var _b = bus;
        using var _s = server;
        using var sink = new DesktopSink(Repo.Binary, l => { lock (_log) _log.Add(l); }, _root);
        sink.Publish(KillOf("hog\u001b[2J", $"/user.slice/user-{Nobody}.slice/session-3.scope"));
        string? line = server.NextLine(Wait);
        Assert.True(line is not null, "no Notify: " + string.Join('\n', _log) + server.Stderr);
        using var json = JsonDocument.Parse(line!);
        var r = json.RootElement;
        Assert.Equal("oomwarden", r.GetProperty("app_name").GetString());
        Assert.Equal("Out of memory: stopped hog\u001b[2J (pid 4242)", r.GetProperty("summary").GetString());
        Assert.Equal("MemAvailable 3% &lt;= 5% &amp; &lt;b&gt;markup&lt;/b&gt;", r.GetProperty("body").GetString());
        Assert.Equal(Nobody, r.GetProperty("uid").GetInt32()); // the caller really was the user, not root
        Assert.True(SpinWait.SpinUntil(() => sink.Sent == 1, Wait));
    }

    [Fact]
    public void AUserWithoutASessionIsSkippedAndAStalledBusTimesOut()
    {
        var (bus, server) = StartSession();
        using var _b = bus;
        using var _s = server;
        using var sink = new DesktopSink(Repo.Binary, l => { lock (_log) _log.Add(l); }, _root);
        // uid 4711 has no runtime directory: nothing is run.
        sink.Publish(KillOf("a", "/user.slice/user-4711.slice/session-9.scope"));
        // A stopped notification server: the helper's call times out and the sink carries on.
        Assert.Equal(0, Sh.Run("/bin/kill", ["-STOP", server.Pid.ToString()], Wait).ExitCode);
        try
        {
            sink.Publish(KillOf("b", $"/user.slice/user-{Nobody}.slice/session-3.scope"));
            Assert.True(SpinWait.SpinUntil(() => { lock (_log) return _log.Any(l => l.Contains("desktop notification for uid 65534", StringComparison.Ordinal)); }, Wait),
                string.Join('\n', _log));
        }
        finally
        {
            Sh.Run("/bin/kill", ["-CONT", server.Pid.ToString()], Wait);
        }
        var counters = new List<CounterSample>();
        sink.Collect(counters);
        Assert.Equal(0, counters.Single(c => c.Name == "oomwarden_notify_sent_total").Value);
        Assert.True(counters.Single(c => c.Name == "oomwarden_notify_dropped_total").Value >= 1);
    }

    [Fact]
    public void UidOfCgroup()
    {
        Assert.Equal(1000, DesktopSink.UidOfCgroup("/user.slice/user-1000.slice/user@1000.service/app.slice/x.scope"));
        Assert.Equal(-1, DesktopSink.UidOfCgroup("/system.slice/cron.service"));
        Assert.Equal(-1, DesktopSink.UidOfCgroup("/user.slice/user-1000x.slice"));
    }
}
