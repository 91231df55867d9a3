using System.Globalization;
using OomWarden.Core.Engine;
using OomWarden.Linux.Notify;

namespace OomWarden.Notify;

/// <summary><c>[notify] desktop = true</c>: a kill is shown with <c>org.freedesktop.Notifications.Notify</c> on the
/// session bus of the user it concerns (the victim's uid, else the uid of a <c>user-UID.slice</c> in its cgroup),
/// at <c>/run/user/UID/bus</c>. A session bus accepts only its owner (EXTERNAL auth checks the peer's uid), so the
/// daemon never connects itself: it runs its own binary as <c>oomwarden notify-desktop</c>, which drops to the
/// user's uid and gid before it connects, with a timeout after which its process group is killed. One worker
/// thread, a bounded queue: a stalled user bus delays only later notifications, never the loop.</summary>
public sealed class DesktopSink : IEventSink, ICounterSource, IDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    /// <summary>Where logind makes the users' runtime directories; <c>run --run-user-root</c> moves it (tests).</summary>
    public const string DefaultRuntimeRoot = "/run/user";
    private static readonly KeyValuePair<string, string>[] Labels = [new("channel", "desktop")];

    private readonly string _helper;
    private readonly string _runtimeRoot;
    private readonly Action<string> _log;
    private readonly BoundedWorker<Job> _worker;
    private long _sent, _skipped, _errors;

    private readonly record struct Job(int Uid, string Summary, string Body);

    /// <param name="helper">The oomwarden binary (the executable with every verb, <see cref="Commands.Executables.Full"/>: not oomwardend).</param>
    /// <param name="runtimeRoot">Where the users' runtime directories are: /run/user (<see cref="DefaultRuntimeRoot"/>).</param>
    public DesktopSink(string helper, Action<string> log, string runtimeRoot = DefaultRuntimeRoot)
    {
        _helper = helper;
        _runtimeRoot = runtimeRoot;
        _log = log;
        _worker = new BoundedWorker<Job>("oomwarden-desktop", 32, Show, log);
    }

    public long Sent => Interlocked.Read(ref _sent);

    public void Publish(EngineEvent e)
    {
        var (kill, dryRun) = e switch
        {
            Judged j => (j.Kill, false),
            WouldKill w => (w.Kill, true),
            _ => (null, false),
        };
        if (kill is null) return;
        int uid = kill.Decision?.Victim?.Uid ?? -1;
        if (uid < 0) uid = UidOfCgroup(kill.CgroupPath);
        if (uid < 0)
        {
            Interlocked.Increment(ref _skipped);
            return;
        }
        string what = kill.WholeCgroup ? $"the processes of {kill.CgroupPath}" : $"{kill.Comm} (pid {kill.Pid.ToString(CultureInfo.InvariantCulture)})";
        string summary = dryRun ? "Out of memory: would stop " + what : "Out of memory: stopped " + what;
        string body = kill.Reason;
        _worker.TryPost(new Job(uid, summary, body));
    }

    /// <summary>The uid of the first <c>user-UID.slice</c> in a cgroup path (a path component "/user-DIGITS.slice"),
    /// or -1. Plain span code, not a regex: the binary carries no regex engine (docs/DESIGN.md, "Idle footprint").</summary>
    public static int UidOfCgroup(string cgroupPath)
    {
        const string Prefix = "/user-", Suffix = ".slice";
        ReadOnlySpan<char> path = cgroupPath;
        for (int at = path.IndexOf(Prefix, StringComparison.Ordinal); at >= 0;)
        {
            var rest = path[(at + Prefix.Length)..];
            int digits = 0;
            while (digits < rest.Length && char.IsAsciiDigit(rest[digits])) digits++;
            var after = rest[digits..];
            if (digits > 0 && after.StartsWith(Suffix, StringComparison.Ordinal) && (after.Length == Suffix.Length || after[Suffix.Length] == '/'))
                return int.TryParse(rest[..digits], NumberStyles.None, CultureInfo.InvariantCulture, out int uid) ? uid : -1;
            int next = path[(at + 1)..].IndexOf(Prefix, StringComparison.Ordinal);
            at = next < 0 ? -1 : at + 1 + next;
        }
        return -1;
    }

    private void Show(Job job)
    {
        string dir = Path.Combine(_runtimeRoot, job.Uid.ToString(CultureInfo.InvariantCulture));
        string bus = Path.Combine(dir, "bus");
        // The directory belongs to the user (logind makes it 0700): its owner must be the uid we drop to, and its
        // group is the gid. No directory or no socket: the user has no session now.
        if (!Linux.IO.ProgramFile.TryOwner(dir, out int ownerUid, out int ownerGid) || ownerUid != job.Uid || !Linux.IO.FileIdentity.IsSocket(bus))
        {
            Interlocked.Increment(ref _skipped);
            return;
        }
        string[] argv = [_helper, "notify-desktop", "--uid", job.Uid.ToString(CultureInfo.InvariantCulture), "--gid", ownerGid.ToString(CultureInfo.InvariantCulture),
            "--bus", bus, "--summary", job.Summary, "--body", job.Body];
        var r = ChildProcess.Run(argv, [NotifyEvent.SafePath, "LANG=C.UTF-8"], default, Timeout, 1024);
        if (r.Succeeded)
        {
            Interlocked.Increment(ref _sent);
            return;
        }
        Interlocked.Increment(ref _errors);
        _log($"desktop notification for uid {job.Uid}: {r.Describe(Timeout)}{(r.Output.Length > 0 ? ": " + r.Output.Trim() : "")}");
    }

    public void Collect(List<CounterSample> into)
    {
        into.Add(new CounterSample("oomwarden_notify_sent_total", "Notifications delivered, by channel.", Sent, Labels));
        into.Add(new CounterSample("oomwarden_notify_dropped_total", "Notifications dropped (queue full or no bus), by channel.", _worker.Dropped + Interlocked.Read(ref _skipped), Labels));
        into.Add(new CounterSample("oomwarden_notify_errors_total", "Failed connects, name requests and sends, by channel.", Interlocked.Read(ref _errors), Labels));
    }

    public void Dispose() => _worker.Stop(TimeSpan.FromSeconds(1));
}
