using System.Diagnostics;
using System.Net.Sockets;
using OomWarden.Core.Engine;
using OomWarden.Core.Model;
using OomWarden.Core.Policy;
using OomWarden.Core.Settings;
using OomWarden.Daemon.Notify;
using OomWarden.Linux;
using OomWarden.Linux.Loop;

// Level change -> subscriber woken, through the daemon's own code: the engine steps a system domain between 50 %
// and 5 % available (hold 0), the bus hands each WarningChanged to the real socket servers on a real event loop,
// and client threads blocked in recv(2) on real AF_UNIX connections stamp the time they wake. Reference, same run:
// one byte written to a socketpair and a thread blocked in recv on the other end. Then the same with a client that
// connected and never reads.
int changes = args.Length > 0 ? int.Parse(args[0]) : 1000;
string dir = Path.Combine(Path.GetTempPath(), "oomwarden-notify-bench-" + Environment.ProcessId);
Directory.CreateDirectory(dir);
try
{
    var time = TimeProvider.System;
    var levels = new LevelSettings { Hold = TimeSpan.Zero, Repeat = TimeSpan.FromTicks(1), Release = false };
    var bus = new Bus();
    var engine = new OomEngine(new EngineOptions { InstanceId = "bench", Levels = levels }, time, bus);
    var system = new SystemDomain(new SystemThresholds(), 0);
    const long total = 16L << 30;
    void Set(double percent)
    {
        system.Update(new MemoryInfo(total, 0, (long)(total * percent / 100), 0, 0, 0, 0, 0, 0));
        engine.Step();
        while (engine.TryTakeCommand(out _)) { }
    }
    engine.SetDomains([system]);
    Set(50);
    using var loop = new EventLoop();
    using var host = OomWarden.Daemon.LiveHost.Open(HostPaths.Default);
    var processes = host.Processes;
    var events = EventSocketServer.TryStart(Path.Combine(dir, "events.sock"), loop, engine, processes, CompiledPolicy.Empty, false, out var e1) ?? throw new Exception(e1);
    var pressure = PressureSocketServer.TryStart(Path.Combine(dir, "pressure.sock"), loop, engine, processes, time, levels.Repeat, out var e2) ?? throw new Exception(e2);
    bus.Sinks.AddRange([events, pressure]);
    var loopThread = new Thread(() => { while (loop.RunOnce(TimeSpan.FromMilliseconds(50))) { } }) { IsBackground = true };
    loopThread.Start();

    var reference = Measure("reference (socketpair byte)", changes, null, () =>
    {
        var (a, b) = Pair();
        return (b, () => a.Send("x"u8));
    });
    var own = Run("own socket (level event)", events.Path, changes, expectLines: true, Set);
    var press = Run("pressure socket (byte)", pressure.Path, changes, expectLines: false, Set);

    // A client that never reads: connected (tiny receive buffer), then the same runs again.
    var silent = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
    silent.ReceiveBufferSize = 1024;
    silent.Connect(new UnixDomainSocketEndPoint(events.Path));
    var silentP = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
    silentP.ReceiveBufferSize = 1024;
    silentP.Connect(new UnixDomainSocketEndPoint(pressure.Path));
    Thread.Sleep(200);
    var ownSilent = Run("own socket, + a client that never reads", events.Path, changes, expectLines: true, Set);
    var pressSilent = Run("pressure socket, + a client that never reads", pressure.Path, changes, expectLines: false, Set);

    Console.WriteLine();
    Console.WriteLine($"{"channel",-46} {"p50 us",9} {"max us",9} {"p50/ref",8}");
    foreach (var r in new[] { reference, own, press, ownSilent, pressSilent })
        Console.WriteLine($"{r.Name,-46} {r.P50Us,9:0.0} {r.MaxUs,9:0.0} {r.P50Us / reference.P50Us,8:0.00}");
    Console.WriteLine($"silent client: {events.Dropped} messages dropped and counted; never-reading client slowdown p50 own {ownSilent.P50Us / own.P50Us:0.00}x, pressure {pressSilent.P50Us / press.P50Us:0.00}x");
    loop.RequestStop();
    loopThread.Join();
    events.Dispose();
    pressure.Dispose();
}
finally
{
    Directory.Delete(dir, recursive: true);
}

static (Socket, Socket) Pair()
{
    string path = Path.Combine(Path.GetTempPath(), "oomwarden-notify-ref-" + Environment.ProcessId + ".sock");
    File.Delete(path);
    using var l = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
    l.Bind(new UnixDomainSocketEndPoint(path));
    l.Listen(1);
    var a = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
    a.Connect(new UnixDomainSocketEndPoint(path));
    var b = l.Accept();
    File.Delete(path);
    return (a, b);
}

static Result Run(string name, string path, int count, bool expectLines, Action<double> set)
{
    return Measure(name, count, set, () =>
    {
        var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        s.Connect(new UnixDomainSocketEndPoint(path));
        // The own socket sends the current level at once; drain it before measuring.
        if (expectLines)
        {
            var buf = new byte[4096];
            s.Receive(buf);
        }
        return (s, null);
    });
}

/// <summary>Each round: stamp, cause one wake-up (a level rise, or for the reference a byte), wait for the reader
/// thread's stamp; levels fall again between rounds (the own socket's fall is a change too, drained, not timed).</summary>
static Result Measure(string name, int count, Action<double>? set, Func<(Socket Reader, Action? Poke)> open)
{
    var (reader, poke) = open();
    var woke = new SemaphoreSlim(0);
    long stamp = 0;
    var thread = new Thread(() =>
    {
        var buf = new byte[65536];
        while (true)
        {
            int n;
            try { n = reader.Receive(buf); } catch (SocketException) { return; }
            if (n <= 0) return;
            Volatile.Write(ref stamp, Stopwatch.GetTimestamp());
            woke.Release();
        }
    }) { IsBackground = true };
    thread.Start();
    var samples = new double[count];
    for (int i = 0; i < count + 20; i++)
    {
        long t0 = Stopwatch.GetTimestamp();
        if (set is null) poke!();
        else set(5);
        if (!woke.Wait(TimeSpan.FromSeconds(5))) throw new TimeoutException(name + ": no wake-up within 5 s");
        double us = (Volatile.Read(ref stamp) - t0) * 1e6 / Stopwatch.Frequency;
        if (i >= 20) samples[i - 20] = us;   // 20 warm-up rounds
        if (set is not null)
        {
            set(50);
            // The own socket also announces the fall: wait for it so it cannot land in the next round.
            if (name.StartsWith("own", StringComparison.Ordinal) && !woke.Wait(TimeSpan.FromSeconds(5))) throw new TimeoutException(name + ": no fall");
            Thread.Sleep(0);
        }
    }
    reader.Dispose();
    Array.Sort(samples);
    var r = new Result(name, samples[count / 2], samples[^1]);
    Console.WriteLine($"{name}: p50 {r.P50Us:0.0} us, max {r.MaxUs:0.0} us over {count} wake-ups");
    return r;
}

sealed record Result(string Name, double P50Us, double MaxUs);

sealed class Bus : IEventSink
{
    public List<IEventSink> Sinks { get; } = [];
    public void Publish(EngineEvent e)
    {
        foreach (var s in Sinks) s.Publish(e);
    }
}
