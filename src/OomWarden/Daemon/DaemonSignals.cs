using System.Runtime.InteropServices;

namespace OomWarden.Daemon;

/// <summary>The daemon's signal dispositions. SIGTERM and SIGINT stop it (after <see cref="OnStop"/>); SIGHUP reloads
/// the config (after <see cref="OnReload"/>; before that it is logged and ignored: a <c>kill -HUP</c> during start-up
/// must not leave the machine without an OOM manager); SIGUSR1 and SIGUSR2 are logged and ignored; SIGPIPE is ignored
/// (a closed stderr pipe gives EPIPE, never a silent death). Until this object exists the defaults apply,
/// so it is installed first thing.</summary>
public sealed partial class DaemonSignals : IDisposable
{
    private const int SigHup = 1;
    private const int SigUsr1 = 10;
    private const int SigUsr2 = 12;
    private const int SigPipe = 13;

    private readonly List<PosixSignalRegistration> _registrations = [];
    private readonly TextWriter _log;
    private readonly TimeProvider _time;
    private volatile Action? _stop;
    private volatile Action? _reload;

    private DaemonSignals(TextWriter log, TimeProvider time)
    {
        _log = log;
        _time = time;
    }

    public static DaemonSignals Install(TextWriter log, TimeProvider time)
    {
        var s = new DaemonSignals(log, time);
        // SIG_IGN rather than a handler: nothing to do, and the disposition is in place before any write.
        signal(SigPipe, 1);
        // Started under nohup (or by a supervisor that ignores SIGHUP), SIGHUP arrives ignored, and .NET leaves an
        // ignored signal ignored: `kill -HUP` would silently not reload. Reloading is what SIGHUP means here, which
        // also keeps nohup's promise (a hangup does not end the daemon): the disposition goes back to the default
        // for the few instructions until the registration below replaces it.
        signal(SigHup, 0); // SIG_DFL
        s._registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGHUP, s.OnHangup));
        s.Ignore((PosixSignal)SigUsr1, "SIGUSR1: no meaning yet; ignored");
        s.Ignore((PosixSignal)SigUsr2, "SIGUSR2: no meaning yet; ignored");
        s._registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGTERM, s.OnTerminate));
        s._registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGINT, s.OnTerminate));
        return s;
    }

    /// <summary>What SIGTERM and SIGINT do once the loop runs; before that they end the process at once.</summary>
    public void OnStop(Action stop) => _stop = stop;

    /// <summary>What SIGHUP does once the daemon watches: ask for a reload (validated off the loop, applied on it).</summary>
    public void OnReload(Action reload) => _reload = reload;

    private void OnHangup(PosixSignalContext c)
    {
        c.Cancel = true;
        if (_reload is { } reload)
        {
            DaemonLog.Write(_log, _time, "SIGHUP: reloading the configuration");
            reload();
        }
        else DaemonLog.Write(_log, _time, "SIGHUP before the daemon watches: ignored");
    }

    private void OnTerminate(PosixSignalContext c)
    {
        if (_stop is not { } stop) return; // default action: exit (nothing to stop cleanly yet)
        c.Cancel = true;
        stop();
    }

    private void Ignore(PosixSignal sig, string message)
        => _registrations.Add(PosixSignalRegistration.Create(sig, c =>
        {
            c.Cancel = true;
            DaemonLog.Write(_log, _time, message);
        }));

    [LibraryImport("libc", EntryPoint = "signal", SetLastError = true)]
    private static partial nint signal(int signum, nint handler);

    public void Dispose()
    {
        foreach (var r in _registrations) r.Dispose();
    }
}
