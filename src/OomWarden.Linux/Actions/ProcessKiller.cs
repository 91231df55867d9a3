using OomWarden.Core.Policy;
using OomWarden.Linux.Interop;
using System.Diagnostics;
using OomWarden.Linux.Interop.Process;

namespace OomWarden.Linux.Actions;

/// <summary>Reads a process's start time (field 22 of /proc/PID/stat); false when the pid is gone.</summary>
public delegate bool StartTimeReader(int pid, out ulong startTimeTicks);

/// <summary>Signals one process through a pidfd that is proven to name the process that was chosen:
/// pidfd_open, then re-read the start time, then signal. SIGTERM first; SIGKILL when the grace time
/// runs out or when <c>escalateNow</c> says memory reached the kill level; process_mrelease after SIGKILL.</summary>
public sealed class ProcessKiller
{
    private static readonly TimeSpan PollSlice = TimeSpan.FromMilliseconds(5);
    private readonly StartTimeReader _startTime;

    public ProcessKiller(StartTimeReader startTime) => _startTime = startTime;

    /// <summary>Opens a pidfd on <paramref name="pid"/> only if it still is the process that started at
    /// <paramref name="startTimeTicks"/>. Null when it is gone or recycled.</summary>
    public PidfdHandle? OpenVerified(int pid, ulong startTimeTicks)
    {
        if (!PidfdHandle.TryOpen(pid, out var handle, out _)) return null;
        // The pidfd pins whatever process held the pid at open time; if /proc still shows our start time
        // now, that process is ours (a recycled pid cannot show the old start time).
        if (!_startTime(pid, out ulong now) || now != startTimeTicks)
        {
            handle!.Dispose();
            return null;
        }
        return handle;
    }

    /// <param name="signal">The first signal (SIGTERM usually; SIGKILL skips the grace).</param>
    /// <param name="termGrace">How long to wait for exit after the first signal before SIGKILL.</param>
    /// <param name="exitWait">How long to wait for exit after SIGKILL.</param>
    /// <param name="escalateNow">Polled while waiting: true sends SIGKILL at once (memory at the kill level).</param>
    public KillOutcome Kill(
        int pid,
        ulong startTimeTicks,
        int signal,
        TimeSpan termGrace,
        TimeSpan exitWait,
        bool memoryRelease,
        Func<bool>? escalateNow,
        Action? afterFirstSignal = null)
    {
        using var pidfd = OpenVerified(pid, startTimeTicks);
        if (pidfd is null) return new KillOutcome(KillResult.Vanished, 0, false, false, TimeSpan.Zero, null);
        return Kill(pidfd, signal, termGrace, exitWait, memoryRelease, escalateNow, afterFirstSignal);
    }

    public static KillOutcome Kill(
        PidfdHandle pidfd,
        int signal,
        TimeSpan termGrace,
        TimeSpan exitWait,
        bool memoryRelease,
        Func<bool>? escalateNow,
        Action? afterFirstSignal = null)
    {
        long start = Stopwatch.GetTimestamp();
        if (!pidfd.TrySignal(signal, out int errno))
        {
            return errno == Errno.ESRCH
                ? new KillOutcome(KillResult.Vanished, 0, false, false, TimeSpan.Zero, null)
                : new KillOutcome(KillResult.Failed, 0, false, false, TimeSpan.Zero,
                    $"pidfd_send_signal({Signals.Name(signal)}) to {pidfd.Pid}: {Errno.Describe(errno)}");
        }

        afterFirstSignal?.Invoke();
        bool escalated = false;
        if (signal != Signals.SigKill)
        {
            while (true)
            {
                var elapsed = Stopwatch.GetElapsedTime(start);
                if (pidfd.WaitExit(TimeSpan.Zero))
                    return new KillOutcome(KillResult.Exited, signal, false, false, Stopwatch.GetElapsedTime(start), null);
                if (elapsed >= termGrace || (escalateNow?.Invoke() ?? false)) break;
                var slice = termGrace - elapsed;
                if (pidfd.WaitExit(slice < PollSlice ? slice : PollSlice))
                    return new KillOutcome(KillResult.Exited, signal, false, false, Stopwatch.GetElapsedTime(start), null);
            }
            escalated = true;
            if (!pidfd.TrySignal(Signals.SigKill, out errno))
            {
                return errno == Errno.ESRCH
                    ? new KillOutcome(KillResult.Exited, signal, false, false, Stopwatch.GetElapsedTime(start), null)
                    : new KillOutcome(KillResult.Failed, signal, false, false, Stopwatch.GetElapsedTime(start),
                        $"pidfd_send_signal(SIGKILL) to {pidfd.Pid}: {Errno.Describe(errno)}");
            }
        }

        // ESRCH/EINVAL here mean it already exited or mrelease is not possible yet; neither is an error.
        bool released = memoryRelease && pidfd.TryMemoryRelease(out _);
        bool exited = pidfd.WaitExit(exitWait);
        return new KillOutcome(exited ? KillResult.Exited : KillResult.StillAlive, Signals.SigKill, escalated,
            released, Stopwatch.GetElapsedTime(start), null);
    }
}
