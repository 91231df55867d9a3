using OomWarden.KernelLog.Model;
using OomWarden.Linux.KernelLog;

namespace OomWarden.Daemon;

/// <summary>Kills the kernel made itself (its OOM killer won a race, or a cgroup nobody watched): followed on
/// /dev/kmsg with the analyze parser, one stderr line and one <c>kernel_kill</c> journal event each, and
/// counted. Runs on its own thread, asleep in poll() between events.</summary>
public sealed class KernelKillNotifier : IDisposable
{
    private readonly KmsgFollower _follower;
    private readonly EventJournal? _journal;
    private readonly TextWriter _log;
    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _stop = new();
    private Thread? _thread;
    private int _kills;

    private KernelKillNotifier(KmsgFollower follower, EventJournal? journal, TextWriter log, TimeProvider time)
    {
        _follower = follower;
        _journal = journal;
        _log = log;
        _time = time;
    }

    public int Kills => Volatile.Read(ref _kills);

    /// <summary>Starts following <paramref name="kmsgPath"/> from its end; null with the reason when it cannot be read.</summary>
    public static KernelKillNotifier? TryStart(string kmsgPath, EventJournal? journal, TextWriter log, TimeProvider time, out string? error)
    {
        if (!KmsgFollower.TryOpen(kmsgPath, out var follower, out int errno) || follower is null)
        {
            error = $"kernel kills will not be reported: cannot read {kmsgPath}: {Linux.Interop.Errno.Describe(errno)}";
            return null;
        }
        var n = new KernelKillNotifier(follower, journal, log, time);
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
        var killed = r.Killed;
        string scope = r.Memcg is { } memcg ? "memcg " + memcg : (r.Constraint ?? "global");
        string what = killed is null
            ? "the kernel's OOM killer ran"
            : $"the kernel killed pid {killed.Pid} ({killed.Comm}, anon-rss {(killed.AnonRssKb ?? 0) / 1024} MiB)";
        DaemonLog.Write(_log, _time, $"{what}; {scope}; trigger {r.TriggerComm ?? "?"}; see `oomwarden analyze` on the kernel log for why");
        _journal?.Append(new KillEvent
        {
            Event = "kernel_kill",
            Time = _time.GetUtcNow(),
            Pid = killed is null ? null : (int)killed.Pid,
            Comm = killed?.Comm,
            Cgroup = r.TaskMemcg,
            Domain = r.Memcg ?? "system",
            Reason = r.Constraint,
            Message = r.TriggerComm is null ? null : "triggered by " + r.TriggerComm,
        }, sync: true);
    }

    public void Dispose()
    {
        _stop.Cancel();
        _thread?.Join(TimeSpan.FromSeconds(2));
        _follower.Dispose();
        _stop.Dispose();
    }
}
