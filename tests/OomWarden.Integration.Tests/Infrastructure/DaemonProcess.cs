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

    /// <summary>Nice= in deploy/oomwarden.service.</summary>
    public const string DeployedNice = "-10";

    /// <summary>How long a start may take until "watching" (well under a second alone; a loaded host stalls it).</summary>
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

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
        // At the niceness deploy/oomwarden.service gives it (Nice=-10), through nice(1), which execs it (same pid): on a
        // loaded host the daemon then wins the CPU from the hogs as it does when deployed.
        var psi = new ProcessStartInfo("nice")
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add("-n");
        psi.ArgumentList.Add(DeployedNice);
        if (wrapper is not null) psi.ArgumentList.Add(wrapper);
        psi.ArgumentList.Add(Repo.Binary);
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var (k, v) in environment) psi.Environment[k] = v;
        var d = new DaemonProcess(Process.Start(psi)!);
        if (!d._ready.Wait(StartTimeout))
        {
            string log = d.Log;
            d.Dispose();
            throw new InvalidOperationException($"the daemon did not report 'watching' within {StartTimeout.TotalSeconds} s:\n" + log);
        }
        return d;
    }

    public int Stop(TimeSpan timeout)
    {
        if (_process.HasExited) return _process.ExitCode;
        Signals.Send(_process.Id, 15);
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
        Signals.Send(_process.Id, 9);
        _process.WaitForExit();
    }

    public void Dispose()
    {
        try { Stop(TimeSpan.FromSeconds(5)); } catch (InvalidOperationException) { }
        _process.Dispose();
    }
}
