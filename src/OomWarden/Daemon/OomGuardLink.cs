using System.Diagnostics;
using System.Globalization;
using System.IO.Pipes;
using OomWarden.Linux.Interop.Process;

namespace OomWarden.Daemon;

/// <summary>The daemon's side of the oom_delay guard: starts <c>oomwarden oom-guard</c> (the executable with every verb: Executables.Full) with a pipe
/// on its stdin, and writes one heartbeat byte through it at least every quarter of the shortest delay. The guard
/// restores every setting of the state file when this daemon exits (its pidfd turns readable, the pipe closes) or
/// when heartbeats stop for longer than that delay (a hung loop).</summary>
public sealed class OomGuardLink : IDisposable
{
    private readonly Process _process;
    private readonly PipeStream _pipe;
    private readonly int _fd;
    private readonly long _intervalTicks;
    private readonly TimeProvider _time;
    private long _last;

    private OomGuardLink(Process process, PipeStream pipe, TimeSpan interval, TimeProvider time)
    {
        _process = process;
        _pipe = pipe;
        _fd = (int)pipe.SafePipeHandle.DangerousGetHandle();
        _time = time;
        _intervalTicks = (long)(interval.TotalSeconds * time.TimestampFrequency);
        // A guard that stops reading must never block the loop: a full pipe is just a missed beat.
        Linux.Interop.FileSystem.NonBlocking.TrySet(_fd);
        _last = time.GetTimestamp();
    }

    public int Pid => _process.Id;

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
        var psi = new ProcessStartInfo(binary)
        {
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add("oom-guard");
        psi.ArgumentList.Add("--state");
        psi.ArgumentList.Add(statePath);
        psi.ArgumentList.Add("--daemon");
        psi.ArgumentList.Add(Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        psi.ArgumentList.Add("--timeout");
        psi.ArgumentList.Add(((long)timeout.TotalMilliseconds).ToString(CultureInfo.InvariantCulture) + "ms");
        try
        {
            var p = Process.Start(psi);
            if (p is null)
            {
                error = "no process";
                return null;
            }
            if (p.StandardInput.BaseStream is not PipeStream pipe)
            {
                p.Kill();
                error = "no pipe to the guard";
                return null;
            }
            error = null;
            return new OomGuardLink(p, pipe, timeout / 4, time);
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or IOException or InvalidOperationException)
        {
            error = $"cannot start {binary} oom-guard ({e.GetType().Name})";
            return null;
        }
    }

    /// <summary>Writes a heartbeat when one is due. False once the guard is gone (the pipe is broken).</summary>
    public bool Heartbeat(long now)
    {
        if (now - _last < _intervalTicks) return true;
        _last = now;
        if (RawFile.TryWrite(_fd, "."u8, out int errno) || errno == 11 /* EAGAIN: the pipe is full */) return true;
        ExitReason = Linux.Interop.Errno.Describe(errno);
        return false;
    }

    /// <summary>At stop (after every setting is back): closing the pipe tells the guard to look at the (now empty)
    /// state file and exit. Waits a moment for it, so that it is not left behind.</summary>
    public void Dispose()
    {
        try { _pipe.Dispose(); } catch (IOException) { }
        try
        {
            if (!_process.WaitForExit(2000)) _process.Kill();
        }
        catch (InvalidOperationException) { }
        _process.Dispose();
    }
}
