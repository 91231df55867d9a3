using System.Collections.Concurrent;
using System.Diagnostics;

namespace OomWarden.Integration.Tests.Infrastructure;

/// <summary>The real NativeAOT daemon as a child process; Dispose stops it (SIGTERM, then SIGKILL).</summary>
public sealed class DaemonProcess : IDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _stderr = new();
    private readonly ManualResetEventSlim _ready = new();

    private DaemonProcess(Process process)
    {
        _process = process;
        _process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            _stderr.Enqueue(e.Data);
            if (e.Data.Contains("watching", StringComparison.Ordinal)) _ready.Set();
        };
        _process.OutputDataReceived += (_, e) => { if (e.Data is not null) _stderr.Enqueue(e.Data); };
        _process.BeginErrorReadLine();
        _process.BeginOutputReadLine();
    }

    public string Log => string.Join('\n', _stderr);

    public int Pid => _process.Id;

    public static DaemonProcess Start(params string[] args) => Start(new Dictionary<string, string>(), args);

    /// <summary>Starts the daemon with extra environment variables (NOTIFY_SOCKET, WATCHDOG_USEC...).</summary>
    public static DaemonProcess Start(IReadOnlyDictionary<string, string> environment, params string[] args)
        => StartUnder(null, environment, args);

    /// <summary>Starts the daemon through <paramref name="wrapper"/> (a program that execs its arguments, such as
    /// nohup), which gets the daemon's path as its first argument.</summary>
    public static DaemonProcess StartUnder(string? wrapper, IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        Repo.RequireBinary();
        ConfinedConfig.RequireOwnControlSocket(args);
        var psi = new ProcessStartInfo(wrapper ?? Repo.Binary)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        if (wrapper is not null) psi.ArgumentList.Add(Repo.Binary);
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var (k, v) in environment) psi.Environment[k] = v;
        var d = new DaemonProcess(Process.Start(psi)!);
        if (!d._ready.Wait(TimeSpan.FromSeconds(20)))
        {
            string log = d.Log;
            d.Dispose();
            throw new InvalidOperationException("the daemon did not report 'watching' within 20 s:\n" + log);
        }
        return d;
    }

    public int Stop(TimeSpan timeout)
    {
        if (_process.HasExited) return _process.ExitCode;
        kill(_process.Id, 15);
        if (!_process.WaitForExit(timeout))
        {
            _process.Kill();
            _process.WaitForExit();
        }
        _process.WaitForExit(); // flush the async readers
        return _process.ExitCode;
    }

    /// <summary>SIGKILL, as a crash or the OOM killer would end it: no stop event, nothing flushed.</summary>
    public void Crash()
    {
        if (_process.HasExited) return;
        kill(_process.Id, 9);
        _process.WaitForExit();
    }

    public void Dispose()
    {
        try { Stop(TimeSpan.FromSeconds(5)); } catch (InvalidOperationException) { }
        _process.Dispose();
    }

    [System.Runtime.InteropServices.DllImport("libc")]
    private static extern int kill(int pid, int sig);
}
