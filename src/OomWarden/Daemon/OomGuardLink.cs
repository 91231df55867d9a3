using System.Globalization;
using OomWarden.Linux.Interop;
using OomWarden.Linux.Notify;

namespace OomWarden.Daemon;

/// <summary>The daemon's side of the oom_delay guard: starts <c>oomwarden oom-guard</c> (the executable with every verb: Executables.Full) with a pipe
/// on its stdin (<see cref="PipedChild"/>: the daemon's environment, stdout, stderr and process group), and writes one
/// heartbeat byte through it at least every quarter of the shortest delay. The guard restores every setting of the
/// state file when this daemon exits (its pidfd turns readable, the pipe closes) or when heartbeats stop for longer
/// than that delay (a hung loop).</summary>
public sealed class OomGuardLink : IOomGuard
{
    private readonly PipedChild _child;
    private readonly long _intervalTicks;
    private long _last;

    private OomGuardLink(PipedChild child, TimeSpan timeout, TimeProvider time)
    {
        _child = child;
        Timeout = timeout;
        var interval = timeout / 4;
        _intervalTicks = (long)(interval.TotalSeconds * time.TimestampFrequency);
        _last = time.GetTimestamp();
    }

    public int Pid => _child.Pid;

    public TimeSpan Timeout { get; }

    public string? ExitReason { get; private set; }

    public long NextHeartbeat => _last + _intervalTicks;

    /// <summary>Starts the guard; null with the reason when it cannot be started.</summary>
    /// <param name="timeout">The guard restores after this long without a heartbeat (the shortest oom_delay).</param>
    public static OomGuardLink? TryStart(string statePath, TimeSpan timeout, TimeProvider time, out string? error)
    {
        string? binary = Commands.Executables.Full();  // the executable with oom-guard, not oomwardend
        if (binary is null)
        {
            error = $"the {Commands.Executables.CliName} executable is not found beside the daemon's";
            return null;
        }
        string[] argv =
        [
            binary, "oom-guard", "--state", statePath, "--daemon", Environment.ProcessId.ToString(CultureInfo.InvariantCulture),
            "--timeout", ((long)timeout.TotalMilliseconds).ToString(CultureInfo.InvariantCulture) + "ms",
        ];
        // A guard that stops reading must never block the loop: the pipe is non-blocking, a full pipe a missed beat.
        var child = PipedChild.TryStart(argv, out int errno);
        if (child is null)
        {
            error = $"cannot start {binary} oom-guard ({Errno.Describe(errno)})";
            return null;
        }
        error = null;
        return new OomGuardLink(child, timeout, time);
    }

    /// <summary>Writes a heartbeat when one is due. False once the guard is gone (the pipe is broken).</summary>
    public bool Heartbeat(long now)
    {
        if (now - _last < _intervalTicks) return true;
        _last = now;
        if (_child.TryWrite("."u8, out int errno) || errno == Errno.EAGAIN /* the pipe is full */) return true;
        ExitReason = Errno.Describe(errno);
        return false;
    }

    /// <summary>At stop (after every setting is back): closing the pipe tells the guard to look at the (now empty)
    /// state file and exit. Waits a moment for it (2 s), then kills it, so that it is not left behind.</summary>
    public void Dispose() => _child.Close(TimeSpan.FromSeconds(2));
}
