// Level change -> GLib client woken, over a private system bus: the LowMemoryMonitorSink is handed N WarningChanged
// events (what the loop does), a real GMemoryMonitor client (tests/helpers/dbus/gmemorymonitor.py) stamps each
// low-memory-warning with CLOCK_MONOTONIC; latency = client's stamp - the stamp just before Publish (both
// CLOCK_MONOTONIC). Reference in the same run: a Peer.Ping round trip to dbus-daemon itself (one bus hop each way).
// Also: how long Publish itself takes on the loop (it only queues).
using System.Diagnostics;
using System.Globalization;
using OomWarden.Core.Engine;
using OomWarden.Core.Settings;
using OomWarden.Linux.Notify;
using Tmds.DBus.Protocol;

int n = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1000;
string root = args.Length > 1 ? args[1] : Directory.GetCurrentDirectory();
string dir = Directory.CreateTempSubdirectory("notify-bench").FullName;
string socket = Path.Combine(dir, "system_bus_socket");
string policy = Path.Combine(root, "deploy", "dbus", "org.freedesktop.LowMemoryMonitor.conf");
File.WriteAllText(Path.Combine(dir, "system.conf"), $"""
    <busconfig><type>system</type><listen>unix:path={socket}</listen><auth>EXTERNAL</auth>
    <policy context="default"><allow user="*"/><deny own="*"/><deny send_type="method_call"/><allow send_type="signal"/>
    <allow send_requested_reply="true" send_type="method_return"/><allow send_requested_reply="true" send_type="error"/>
    <allow receive_type="method_call"/><allow receive_type="method_return"/><allow receive_type="error"/><allow receive_type="signal"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Peer"/></policy>
    <include>{policy}</include></busconfig>
    """);
using var bus = Process.Start(new ProcessStartInfo("/usr/bin/dbus-daemon", ["--nofork", "--nopidfile", "--print-address=1", "--config-file=" + Path.Combine(dir, "system.conf")]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
bus.StandardOutput.ReadLine();
bus.ErrorDataReceived += (_, _) => { };
bus.BeginErrorReadLine();
string address = "unix:path=" + socket;
var psi = new ProcessStartInfo("/usr/bin/python3", [Path.Combine(root, "tests", "helpers", "dbus", "gmemorymonitor.py")]) { RedirectStandardOutput = true, RedirectStandardInput = true };
psi.Environment["DBUS_SYSTEM_BUS_ADDRESS"] = address;
using var client = Process.Start(psi)!;
try
{
    using var sink = new LowMemoryMonitorSink(new LowMemoryMonitorService(address, l => Console.Error.WriteLine(l)));
    while (!client.StandardOutput.ReadLine()!.StartsWith("ready", StringComparison.Ordinal)) { }
    // GLib's proxy is made asynchronously: warm up until a warning arrives, then drain.
    var lines = new System.Collections.Concurrent.BlockingCollection<string>();
    var reader = new Thread(() => { string? l; while ((l = client.StandardOutput.ReadLine()) is not null) lines.Add(l); }) { IsBackground = true };
    reader.Start();
    var domain = new SystemDomain(new SystemThresholds(), 0);
    for (int i = 0; ; i++)
    {
        sink.Publish(new WarningChanged(DateTimeOffset.UtcNow, domain, WarningLevel.None, WarningLevel.Low, 0));
        if (lines.TryTake(out _, 200)) break;
        if (i > 100) throw new InvalidOperationException("the GLib client never woke");
    }
    Thread.Sleep(500);
    while (lines.TryTake(out _)) { }

    var latency = new double[n];
    var publish = new double[n];
    WarningLevel[] levels = [WarningLevel.Medium, WarningLevel.Critical, WarningLevel.Low];
    for (int i = 0; i < n; i++)
    {
        var to = levels[i % 3];
        var e = new WarningChanged(DateTimeOffset.UtcNow, domain, levels[(i + 2) % 3], to, 0);
        long t0 = MonotonicNs();
        sink.Publish(e);
        long t1 = MonotonicNs();
        string line = lines.Take();
        var parts = line.Split(' ');
        if (parts[1] != LowMemoryMonitorService.GLibLevel(to).ToString(CultureInfo.InvariantCulture)) throw new InvalidOperationException("wrong level: " + line);
        latency[i] = (long.Parse(parts[2], CultureInfo.InvariantCulture) - t0) / 1e6;
        publish[i] = (t1 - t0) / 1e3;
    }
    // Reference: Peer.Ping to the bus daemon, same bus, same machine, same moment.
    using var conn = new DBusConnection(address);
    conn.ConnectAsync().AsTask().GetAwaiter().GetResult();
    var ping = new double[n];
    for (int i = 0; i < n; i++)
    {
        using var w = conn.GetMessageWriter();
        w.WriteMethodCallHeader("org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus.Peer", "Ping", null, MessageFlags.None);
        long t0 = MonotonicNs();
        conn.CallMethodAsync(w.CreateMessage()).GetAwaiter().GetResult();
        ping[i] = (MonotonicNs() - t0) / 1e6;
    }
    Array.Sort(latency);
    Array.Sort(publish);
    Array.Sort(ping);
    double P(double[] a, double q) => a[(int)Math.Min(a.Length - 1, Math.Round(q * (a.Length - 1)))];
    Console.WriteLine($"level change -> GLib GMemoryMonitor low-memory-warning, {n} changes over a private system bus:");
    Console.WriteLine($"  oomwarden      p50 {P(latency, 0.5):0.000} ms  p99 {P(latency, 0.99):0.000} ms  max {latency[^1]:0.000} ms");
    Console.WriteLine($"  reference      Peer.Ping round trip to dbus-daemon: p50 {P(ping, 0.5):0.000} ms  max {ping[^1]:0.000} ms");
    Console.WriteLine($"  ratio          p50 {P(latency, 0.5) / P(ping, 0.5):0.00}x a bus round trip");
    Console.WriteLine($"  Publish on the loop (queue only): p50 {P(publish, 0.5):0.0} us  max {publish[^1]:0.0} us");
    Console.WriteLine($"  sent {sink.Service.Sent}, dropped {sink.Service.Dropped}, errors {sink.Service.Errors}");
}
finally
{
    client.StandardInput.Close();
    if (!client.WaitForExit(2000)) client.Kill();
    bus.Kill();
    Directory.Delete(dir, recursive: true);
}

static long MonotonicNs()
{
    // Stopwatch is CLOCK_MONOTONIC on Linux, as Python's time.monotonic_ns().
    long ts = Stopwatch.GetTimestamp();
    return (long)(ts * (1e9 / Stopwatch.Frequency));
}
