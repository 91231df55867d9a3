using System.Runtime.InteropServices;
using OomWarden.Linux.Interop;
using OomWarden.Linux.Interop.FileSystem;
using OomWarden.Linux.Interop.Process;

namespace OomWarden.Linux.Notify;

/// <summary>A long-lived child with a pipe on its stdin and everything else of this process: its environment, stdout,
/// stderr and process group (the oom_delay guard). posix_spawn, as <see cref="ChildProcess"/>, rather than
/// System.Diagnostics.Process and System.IO.Pipes, whose types the daemon would otherwise carry in its resident
/// <c>.hydrated</c> (docs/DESIGN.md, "The daemon's .hydrated"). The pipe's write end is non-blocking, so a child that
/// stops reading never blocks the writer (<see cref="Errno.EAGAIN"/>). <see cref="Close"/> closes the pipe, waits a
/// bounded time for the child to exit, SIGKILLs it after that, and reaps it.</summary>
public sealed class PipedChild : IDisposable
{
    private const int Sigkill = 9, WNoHang = 1, Ebadf = 9;

    private readonly int _stdin;
    private readonly int _pidfd;
    private bool _closed;

    private PipedChild(int pid, int stdin, int pidfd)
    {
        Pid = pid;
        _stdin = stdin;
        _pidfd = pidfd;
    }

    public int Pid { get; }

    /// <summary>Starts <paramref name="argv"/>[0] (an absolute path); null with the errno of pipe2 or posix_spawn
    /// (ENOENT, EACCES) when nothing runs.</summary>
    public static unsafe PipedChild? TryStart(IReadOnlyList<string> argv, out int errno)
    {
        int* fds = stackalloc int[2];
        if (Spawn.Pipe2(fds, Spawn.OCloexec) != 0)
        {
            errno = Marshal.GetLastSystemError();
            return null;
        }
        errno = Spawn.Start(argv, environment: null, fds[0], outputFd: -1, ownProcessGroup: false, out int pid);
        Spawn.Close(fds[0]);
        if (errno != 0)
        {
            Spawn.Close(fds[1]);
            return null;
        }
        NonBlocking.TrySet(fds[1]);
        // Our child: its pid cannot be reused before we reap it, so the pidfd names it.
        Pidfd.TryOpen(pid, out int pidfd, out _);
        return new PipedChild(pid, fds[1], pidfd);
    }

    /// <summary>One write to the child's stdin; false with errno (EAGAIN: the pipe is full; EPIPE: the child closed
    /// it or exited; EBADF after <see cref="Close"/>).</summary>
    public bool TryWrite(ReadOnlySpan<byte> data, out int errno)
    {
        if (_closed)
        {
            errno = Ebadf;
            return false;
        }
        return RawFile.TryWrite(_stdin, data, out errno);
    }

    /// <summary>Closes the pipe (the child reads end of file), waits up to <paramref name="wait"/> for the child to
    /// exit, SIGKILLs it if it has not, and reaps it. Once; later calls do nothing.</summary>
    public void Close(TimeSpan wait)
    {
        if (_closed) return;
        _closed = true;
        Spawn.Close(_stdin);
        long deadline = Environment.TickCount64 + (long)wait.TotalMilliseconds;
        while (true)
        {
            int r = Spawn.WaitPid(Pid, out _, WNoHang);
            if (r == Pid) break;
            if (r < 0 && Marshal.GetLastSystemError() != Errno.EINTR) break; // ECHILD: nothing left to reap
            long left = deadline - Environment.TickCount64;
            if (left <= 0)
            {
                Spawn.Kill(Pid, Sigkill);
                while (Spawn.WaitPid(Pid, out _, 0) < 0 && Marshal.GetLastSystemError() == Errno.EINTR) { }
                break;
            }
            if (_pidfd >= 0) Poll.WaitOne(_pidfd, Poll.PollIn, (int)Math.Min(left, int.MaxValue));
            else Thread.Sleep((int)Math.Min(left, 10));
        }
        if (_pidfd >= 0) Spawn.Close(_pidfd);
    }

    /// <summary><see cref="Close"/> with a wait of 2 s.</summary>
    public void Dispose() => Close(TimeSpan.FromSeconds(2));
}
