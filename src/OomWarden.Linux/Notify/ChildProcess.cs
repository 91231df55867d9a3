using System.Runtime.InteropServices;
using System.Text;
using OomWarden.Linux.Interop;
using OomWarden.Linux.Interop.Process;

namespace OomWarden.Linux.Notify;

/// <summary>How a child run by <see cref="ChildProcess.Run"/> ended.</summary>
/// <param name="StartError">0, or the errno of posix_spawn (ENOENT, EACCES): nothing ran.</param>
/// <param name="ExitCode">The exit status when it exited; -1 when killed by a signal.</param>
/// <param name="Signal">The signal that ended it, 0 when it exited.</param>
/// <param name="Output">stdout and stderr together, at most the bound given (UTF-8, invalid bytes replaced).</param>
/// <param name="OutputTruncated">Bytes past the bound were read and thrown away.</param>
public readonly record struct ChildResult(int Pid, int StartError, bool TimedOut, int ExitCode, int Signal, string Output, bool OutputTruncated, TimeSpan Elapsed)
{
    public bool Succeeded => StartError == 0 && !TimedOut && ExitCode == 0;

    /// <summary>"exit 0", "exit 3", "killed by signal 9", "timed out after 5s (process group killed)", "not started: ENOENT (...)".</summary>
    public string Describe(TimeSpan timeout) =>
        StartError != 0 ? "not started: " + Errno.Describe(StartError)
        : TimedOut ? $"timed out after {timeout.TotalSeconds:0.###}s (process group killed)"
        : Signal != 0 ? $"killed by signal {Signal}"
        : $"exit {ExitCode}";
}

/// <summary>Runs a program for the notifiers (hooks, the desktop notification helper) without a shell: argv as given,
/// a clean environment, the payload written to its stdin, its own process group, stdout+stderr read into a bounded
/// buffer, and at <c>timeout</c> the whole group is SIGKILLed and reaped. Blocks the calling thread (a worker,
/// never the loop) for at most the timeout plus a little.</summary>
public static unsafe partial class ChildProcess
{
    private const int MaxStdinBytes = 60 * 1024; // below the pipe's 64 KiB: the write never blocks
    private const int Sigkill = 9, WNoHang = 1;

    [StructLayout(LayoutKind.Sequential)]
    private struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    [LibraryImport("libc", EntryPoint = "poll", SetLastError = true)]
    private static partial int PollNative(PollFd* fds, ulong count, int timeoutMs);

    public static ChildResult Run(IReadOnlyList<string> argv, IReadOnlyList<string> environment, ReadOnlySpan<byte> stdin, TimeSpan timeout, int maxOutputBytes)
    {
        long started = Environment.TickCount64;
        int* inPipe = stackalloc int[2];
        int* outPipe = stackalloc int[2];
        if (Spawn.Pipe2(inPipe, Spawn.OCloexec) != 0) return new ChildResult(-1, Marshal.GetLastSystemError(), false, -1, 0, "", false, TimeSpan.Zero);
        if (Spawn.Pipe2(outPipe, Spawn.OCloexec | Spawn.ONonblock) != 0)
        {
            int e = Marshal.GetLastSystemError();
            Spawn.Close(inPipe[0]);
            Spawn.Close(inPipe[1]);
            return new ChildResult(-1, e, false, -1, 0, "", false, TimeSpan.Zero);
        }
        int error = Spawn.Start(argv, environment, inPipe[0], outPipe[1], out int pid);
        Spawn.Close(inPipe[0]);
        Spawn.Close(outPipe[1]);
        if (error != 0)
        {
            Spawn.Close(inPipe[1]);
            Spawn.Close(outPipe[0]);
            return new ChildResult(-1, error, false, -1, 0, "", false, TimeSpan.Zero);
        }
        WriteAll(inPipe[1], stdin.Length > MaxStdinBytes ? stdin[..MaxStdinBytes] : stdin);
        Spawn.Close(inPipe[1]);

        var output = new byte[Math.Max(0, maxOutputBytes)];
        int kept = 0;
        bool truncated = false, exited = false, timedOut = false, outOpen = true;
        int status = 0;
        Pidfd.TryOpen(pid, out int pidfd, out _);
        long deadline = started + (long)timeout.TotalMilliseconds;
        long drainUntil = long.MaxValue;
        byte* chunk = stackalloc byte[4096];
        var fds = stackalloc PollFd[2];
        while (true)
        {
            long now = Environment.TickCount64;
            if (!exited && now >= deadline)
            {
                timedOut = true;
                Spawn.Kill(-pid, Sigkill);
                Spawn.WaitPid(pid, out status, 0);
                exited = true;
                break;
            }
            if (exited && (!outOpen || now >= drainUntil)) break;
            int n = 0;
            if (outOpen) fds[n++] = new PollFd { Fd = outPipe[0], Events = Poll.PollIn };
            if (!exited && pidfd >= 0) fds[n++] = new PollFd { Fd = pidfd, Events = Poll.PollIn };
            long until = exited ? drainUntil : deadline;
            int wait = (int)Math.Clamp(until - now, 0, pidfd >= 0 ? int.MaxValue : 10);
            int r = n == 0 ? 0 : PollNative(fds, (ulong)n, wait);
            if (n == 0) Thread.Sleep(wait);
            if (r < 0 && Marshal.GetLastSystemError() != Errno.EINTR) break;
            if (outOpen)
            {
                // Read whatever is there (non-blocking); EOF when every writer (the group) closed it.
                while (true)
                {
                    nint got = Spawn.Read(outPipe[0], chunk, 4096);
                    if (got > 0)
                    {
                        int take = (int)Math.Min(got, output.Length - kept);
                        new ReadOnlySpan<byte>(chunk, take).CopyTo(output.AsSpan(kept));
                        kept += take;
                        if (take < got) truncated = true;
                        continue;
                    }
                    if (got == 0) outOpen = false;
                    break;
                }
            }
            if (!exited && Spawn.WaitPid(pid, out status, WNoHang) == pid)
            {
                exited = true;
                drainUntil = Environment.TickCount64 + 100; // a grandchild holding the pipe does not keep us here
            }
        }
        if (pidfd >= 0) Spawn.Close(pidfd);
        Spawn.Close(outPipe[0]);
        int termSignal = status & 0x7f;
        int exitCode = termSignal == 0 ? (status >> 8) & 0xff : -1;
        string text = Encoding.UTF8.GetString(output, 0, kept);
        return new ChildResult(pid, 0, timedOut, exitCode, termSignal, text, truncated, TimeSpan.FromMilliseconds(Environment.TickCount64 - started));
    }

    private static void WriteAll(int fd, ReadOnlySpan<byte> data)
    {
        fixed (byte* p = data)
        {
            int done = 0;
            while (done < data.Length)
            {
                nint w = Spawn.Write(fd, p + done, data.Length - done);
                if (w < 0)
                {
                    if (Marshal.GetLastSystemError() == Errno.EINTR) continue;
                    return; // EPIPE: the child does not read its stdin
                }
                done += (int)w;
            }
        }
    }
}
