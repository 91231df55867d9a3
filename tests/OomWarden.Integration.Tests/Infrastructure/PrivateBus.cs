namespace OomWarden.Integration.Tests.Infrastructure;

/// <summary>A private dbus-daemon started by the test: a "system" bus whose policy includes the shipped
/// deploy/dbus/org.freedesktop.LowMemoryMonitor.conf, or a "session" bus run as a given uid (a session bus accepts
/// only its owner's uid). Its socket lives in a fresh directory; the daemon is killed on dispose.</summary>
public sealed class PrivateBus : IDisposable
{
    private readonly LineProcess _daemon;

    private PrivateBus(LineProcess daemon, string directory, string socketPath, string address)
    {
        _daemon = daemon;
        Directory = directory;
        SocketPath = socketPath;
        Address = address;
    }

    public string Directory { get; }
    public string SocketPath { get; }

    /// <summary>"unix:path=...", as dbus-daemon printed it.</summary>
    public string Address { get; }

    public static void RequireDbusDaemon()
    {
        if (!File.Exists("/usr/bin/dbus-daemon")) Assert.Fail("/usr/bin/dbus-daemon is missing: scripts/deps.sh installs the package dbus");
    }

    /// <summary>A system bus: root may own org.freedesktop.LowMemoryMonitor (the shipped policy), everyone may receive signals.</summary>
    public static PrivateBus System() => SystemIn(TestHelpers.NewTempDirectory("oomwarden-sysbus"));

    /// <summary>A system bus again at the address of one that was stopped (a restarted bus).</summary>
    public static PrivateBus SystemAt(string address)
    {
        string socket = address["unix:path=".Length..].Split(',')[0];
        string dir = Path.GetDirectoryName(socket)!;
        global::System.IO.Directory.CreateDirectory(dir);
        return SystemIn(dir);
    }

    private static PrivateBus SystemIn(string dir)
    {
        RequireDbusDaemon();
        string socket = Path.Combine(dir, "system_bus_socket");
        string policy = Path.Combine(Repo.Root, "deploy", "dbus", "org.freedesktop.LowMemoryMonitor.conf");
        string config = Path.Combine(dir, "system.conf");
        File.WriteAllText(config, $"""
            <!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
             "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
            <busconfig>
              <type>system</type>
              <listen>unix:path={socket}</listen>
              <auth>EXTERNAL</auth>
              <policy context="default">
                <allow user="*"/>
                <deny own="*"/>
                <deny send_type="method_call"/>
                <allow send_type="signal"/>
                <allow send_requested_reply="true" send_type="method_return"/>
                <allow send_requested_reply="true" send_type="error"/>
                <allow receive_type="method_call"/>
                <allow receive_type="method_return"/>
                <allow receive_type="error"/>
                <allow receive_type="signal"/>
                <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus"/>
                <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Introspectable"/>
                <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Properties"/>
                <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Peer"/>
              </policy>
              <include>{policy}</include>
            </busconfig>
            """);
        return Start(dir, socket, config, null);
    }

    /// <summary>A session bus owned by <paramref name="uid"/> (dbus-daemon runs as that uid through setpriv).</summary>
    public static PrivateBus Session(int uid, int gid, string dir)
    {
        RequireDbusDaemon();
        global::System.IO.Directory.CreateDirectory(dir);
        File.SetUnixFileMode(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        Sh.Run("/bin/chown", [$"{uid}:{gid}", dir], TimeSpan.FromSeconds(10));
        string socket = Path.Combine(dir, "bus");
        string config = Path.Combine(dir, "session.conf");
        File.WriteAllText(config, $"""
            <!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
             "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
            <busconfig>
              <type>session</type>
              <listen>unix:path={socket}</listen>
              <auth>EXTERNAL</auth>
              <policy context="default">
                <allow send_destination="*" eavesdrop="true"/>
                <allow eavesdrop="true"/>
                <allow own="*"/>
              </policy>
            </busconfig>
            """);
        return Start(dir, socket, config, (uid, gid));
    }

    private static PrivateBus Start(string dir, string socket, string config, (int Uid, int Gid)? asUser)
    {
        string[] dbus = ["/usr/bin/dbus-daemon", "--nofork", "--nopidfile", "--print-address=1", "--config-file=" + config];
        var daemon = asUser is { } u
            ? LineProcess.Start("/usr/bin/setpriv", [$"--reuid={u.Uid}", $"--regid={u.Gid}", "--clear-groups", .. dbus])
            : LineProcess.Start(dbus[0], dbus[1..]);
        string? address = daemon.NextLine(TimeSpan.FromSeconds(30));
        if (address is null)
        {
            string err = daemon.Stderr;
            daemon.Dispose();
            Assert.Fail("dbus-daemon printed no address: " + err);
        }
        // Without the guid= dbus-daemon adds: a restarted bus has a new one (a real system bus address has none).
        return new PrivateBus(daemon, dir, socket, "unix:path=" + socket);
    }

    public void Dispose()
    {
        _daemon.Dispose();
        try { global::System.IO.Directory.Delete(Directory, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
