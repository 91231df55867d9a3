using OomWarden.Linux.Interop.Process;

namespace OomWarden.Commands;

/// <summary>
/// Notices that nobody reads stdout any more (`analyze --follow | head -1` after head exits) and cancels the verb.
/// .NET's console stream ignores EPIPE (and the runtime ignores SIGPIPE), so a writer never learns it from a write:
/// a follower would run for ever. A background thread waits in poll(2) on descriptor 1 with no events asked, which
/// still reports POLLERR (a pipe without a reader) and POLLHUP (a socket whose peer closed, a terminal hung up), and
/// wakes on the reader's close even while the verb sleeps waiting for input. A regular file or /dev/null never
/// reports either: the thread then sleeps until the verb ends. When the verb does not notice the cancel within
/// <see cref="Grace"/> (a read(2) of a terminal or of a pipe that blocks), the process exits 0, as a closed stdout
/// ends every verb quietly (README). Only watches the process's own stdout (<see cref="Console.Out"/>).
/// </summary>
public sealed class StdoutWatch : IDisposable
{
    private const int StdoutFd = 1;
    private const short PollNval = 0x020;
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(2);

    private readonly CancellationTokenSource _cts;
    private readonly ManualResetEventSlim _done = new();
    private readonly Thread? _thread;
    private readonly int _stopFd = -1;
    private volatile bool _gone;

    private StdoutWatch(CancellationToken cancel, bool watch)
    {
        _cts = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        if (!watch || !EventFd.TryCreate(out _stopFd, out _)) return;
        _thread = new Thread(Watch) { IsBackground = true, Name = "stdout watch" };
        _thread.Start();
    }

    /// <summary>Cancelled by the caller's token or when stdout's reader goes away.</summary>
    public CancellationToken Token => _cts.Token;

    /// <summary>True once stdout was found without a reader: the verb's output is lost, and it ends with 0.</summary>
    public bool Gone => _gone;

    /// <summary>Watches <paramref name="stdout"/> when it is the process's stdout; otherwise (tests' StringWriter) only
    /// passes <paramref name="cancel"/> on.</summary>
    public static StdoutWatch Start(TextWriter stdout, CancellationToken cancel) =>
        new(cancel, ReferenceEquals(stdout, Console.Out) && OperatingSystem.IsLinux());

    private void Watch()
    {
        while (true)
        {
            int r = Poll.WaitTwo(StdoutFd, 0, _stopFd, Poll.PollIn, -1, out short outEvents, out short stopEvents);
            if (r < 0 || stopEvents != 0 || (outEvents & PollNval) != 0) return;
            if ((outEvents & (Poll.PollErr | Poll.PollHup)) != 0) break;
        }
        _gone = true;
        _cts.Cancel();
        if (!_done.Wait(Grace)) Environment.Exit(ExitCodes.Ok);
    }

    public void Dispose()
    {
        _done.Set();
        if (_thread is null)
        {
            _cts.Dispose();
            return;
        }
        RawFile.TryWrite(_stopFd, BitConverter.GetBytes(1UL), out _);
        // Closed only once the thread has left poll(2) and Cancel: never a descriptor number another open reuses.
        if (!_thread.Join(TimeSpan.FromSeconds(1))) return;
        EventFd.Close(_stopFd);
        _cts.Dispose();
    }
}
