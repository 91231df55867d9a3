using OomWarden.Core.Engine;
using OomWarden.KernelLog.Model;
using OomWarden.Linux.KernelLog;

namespace OomWarden.Daemon;

/// <summary>Kills the kernel made itself (its OOM killer won a race, or a cgroup nobody watched): followed on
/// /dev/kmsg with the analyze parser, a <see cref="KernelKill"/> event on the bus each (the log line and the <c>kernel_kill</c> record), and
/// counted. Runs on its own thread, asleep in poll() between events.</summary>
public sealed class KernelKillNotifier : IDisposable
{
    private readonly KmsgFollower _follower;
    private readonly IEventSink _events;
    private readonly TimeProvider _time;
    private readonly KillAccounting? _accounting;
    private readonly CancellationTokenSource _stop = new();
    private Thread? _thread;
    private int _kills;

    private KernelKillNotifier(KmsgFollower follower, IEventSink events, TimeProvider time, KillAccounting? accounting)
    {
        _follower = follower;
        _events = events;
        _time = time;
        _accounting = accounting;
    }

    public int Kills => Volatile.Read(ref _kills);

    /// <summary>Starts following <paramref name="kmsgPath"/> from its end; null with the reason when it cannot be read.</summary>
    /// <param name="accounting">Counts each report (kind, the watched cgroups' counters, restart loops) and makes its
    /// events; null: one plain <see cref="KernelKill"/> per report.</param>
    public static KernelKillNotifier? TryStart(string kmsgPath, IEventSink events, TimeProvider time, out string? error, KillAccounting? accounting = null)
    {
        if (!KmsgFollower.TryOpen(kmsgPath, out var follower, out int errno) || follower is null)
        {
            error = $"kernel kills will not be reported: cannot read {kmsgPath}: {Linux.Interop.Errno.Describe(errno)}";
            return null;
        }
        var n = new KernelKillNotifier(follower, events, time, accounting);
        n._thread = new Thread(n.Loop) { IsBackground = true, Name = "kmsg" };
        n._thread.Start();
        error = null;
        return n;
    }

    private void Loop()
    {
        foreach (var report in _follower.Follow(_stop.Token)) OnReport(report);
    }

    private void OnReport(OomReport r)
    {
        Interlocked.Increment(ref _kills);
        if (_accounting is not null)
        {
            foreach (var e in _accounting.OnReport(r)) _events.Publish(e);
            return;
        }
        var killed = r.Killed;
        _events.Publish(new KernelKill(_time.GetUtcNow(), killed is null ? null : (int)killed.Pid, killed?.Comm, r.TaskMemcg,
            r.Memcg ?? "system", r.Constraint, r.TriggerComm, killed?.AnonRssKb));
    }

    private int _disposed;

    /// <summary>Stops the thread; idempotent (<c>run</c> stops it before its last counter reading, then again at scope end).</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _stop.Cancel();
        _thread?.Join(TimeSpan.FromSeconds(2));
        _follower.Dispose();
        _stop.Dispose();
    }
}
