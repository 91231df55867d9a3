using System.Globalization;
using System.Runtime.InteropServices;
using OomWarden.Configuration;
using OomWarden.Linux.Actions;
using OomWarden.Linux.Interop.Process;
using OomWarden.Linux.OomDelay;

namespace OomWarden.Commands;

/// <summary><c>oomwarden oom-guard --state FILE --daemon PID --timeout DURATION</c> (hidden; started by the daemon
/// when oom_delay is on): a small watcher that puts oom_delay's cgroup settings back when the daemon can no longer
/// do it. It holds the daemon's pidfd and reads heartbeats from its stdin (a pipe from the daemon), and restores
/// every entry of the state file when the pidfd turns readable (the daemon exited, even by SIGKILL), when the pipe
/// closes, when no heartbeat came for the timeout (a hung daemon), or on SIGTERM/SIGINT; then it exits. It protects
/// itself like the daemon (oom_score_adj −1000, mlockall) and does nothing else.</summary>
public static class OomGuardCommand
{
    private const string Help = """
        usage: oomwarden oom-guard --state FILE --daemon PID --timeout DURATION

        Started by the daemon (oom_delay): restores the settings listed in FILE when the daemon PID exits, closes
        its pipe on stdin, or sends no heartbeat for DURATION. Not meant to be run by hand.
        """;

    private static readonly CliOption State = CliOption.WithValue("--state");
    private static readonly CliOption Daemon = CliOption.WithValue("--daemon");
    private static readonly CliOption Timeout = CliOption.WithValue("--timeout");
    private static readonly Lock RestoreLock = new();

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        if (!ArgReader.TryParse("oom-guard", args, [State, Daemon, Timeout], Help, stdout, stderr, out var parsed, out int exit)) return exit;
        string? state = parsed.Value(State.Name);
        if (state is null || !int.TryParse(parsed.Value(Daemon.Name), NumberStyles.None, CultureInfo.InvariantCulture, out int daemon)
            || !Units.TryParseDuration(parsed.Value(Timeout.Name) ?? "", out var timeout, out _) || timeout <= TimeSpan.Zero)
            return ArgReader.UsageError("oom-guard", "--state FILE, --daemon PID and --timeout DURATION are required", Help, stderr);

        foreach (var warning in SelfProtection.Apply(lockMemory: true)) stderr.WriteLine("oomwarden oom-guard: warning: " + warning);
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; Finish(state, daemon, "SIGTERM", stderr); });
        using var intr = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; Finish(state, daemon, "SIGINT", stderr); });

        // The pidfd must name the daemon: it is our parent when we start, and still our parent after pidfd_open
        // (had it died in between, the parent would now be a reaper, and its pid could have been reused).
        if (!Pidfd.TryOpen(daemon, out int pidfd, out _) || ParentProcess.Pid != daemon)
            return Finish(state, daemon, "the daemon was gone when the guard started", stderr);

        int timeoutMs = (int)Math.Min(int.MaxValue, (long)timeout.TotalMilliseconds);
        byte[] beat = new byte[256];
        using var stdin = Console.OpenStandardInput();
        while (true)
        {
            int r = Poll.WaitTwo(pidfd, Poll.PollIn, 0, Poll.PollIn, timeoutMs, out short daemonEvents, out short pipeEvents);
            if (r == 0) return Finish(state, daemon, $"no heartbeat for {Units.FormatDuration(timeout)} (hung?)", stderr);
            if (r < 0) return Finish(state, daemon, "poll failed", stderr);
            if (daemonEvents != 0) return Finish(state, daemon, "the daemon exited", stderr);
            if (pipeEvents != 0)
            {
                int n;
                try { n = stdin.Read(beat, 0, beat.Length); }
                catch (IOException) { n = 0; }
                // The pipe closed: a stop (the daemon restored first) or a death (the pidfd says so within a moment).
                if (n <= 0) return Finish(state, daemon, Poll.WaitOne(pidfd, Poll.PollIn, 200) != 0 ? "the daemon exited" : null, stderr);
            }
        }
    }

    /// <summary>Restores and exits (from the loop or a signal handler; the lock keeps the two from interleaving).</summary>
    private static int Finish(string state, int daemon, string? why, TextWriter stderr)
    {
        lock (RestoreLock)
        {
            var messages = new List<string>();
            int restored = OomSettingsRestorer.RestoreFile(state, messages, out int failed);
            foreach (var m in messages) stderr.WriteLine("oomwarden oom-guard: warning: " + m);
            if (why is not null || restored > 0 || failed > 0)
                stderr.WriteLine($"oomwarden oom-guard: {why ?? "the daemon closed its pipe"} (daemon pid {daemon}); "
                    + $"restored {restored} oom_delay setting(s) from {state}{(failed > 0 ? $", {failed} failed" : "")}");
            stderr.Flush();
            Environment.Exit(failed > 0 ? ExitCodes.OsError : ExitCodes.Ok);
            return 0;
        }
    }
}
