using OomWarden.Configuration;
using OomWarden.Core.Engine;
using OomWarden.Core.Settings;
using OomWarden.Daemon;
using OomWarden.Linux;
using OomWarden.Linux.Interop.Process;
using OomWarden.Linux.Interop.Sockets;
using OomWarden.Linux.Loop;
using OomWarden.Linux.Notify;

namespace OomWarden.Control;

/// <summary>What the control socket, SIGHUP and the metrics act on: status, reload and pause/resume of one running
/// daemon. Reload: the file is validated off the loop (a thread, with the exact code of <c>check-config</c>:
/// <see cref="ConfigLoader.LoadFile(string, ConfigHost)"/> against this machine), the result is posted to the loop
/// through an eventfd, and a good config is applied there, between two ticks (<see cref="DaemonRuntime.Reconfigure"/>);
/// a bad one is logged, journaled and answered with every reason, and the running policy stays.</summary>
public sealed class ControlService : IReadyHandler, ICounterSource, IDisposable
{
    private readonly object _lock = new();
    private readonly string? _configPath;
    private readonly Func<DaemonSettings, DaemonSettings> _overlay;
    private readonly HostPaths _paths;
    private readonly EventJournal _journal;
    private readonly Action<string> _log;
    private readonly int _eventFd;
    private readonly ulong _token;
    private List<Action<ReloadOutcome>> _waiting = [], _running = [];
    private bool _validating, _again;
    private ReloadOutcome? _done;
    private LoadedConfig? _validated;
    private long _applied, _rejected;

    public ControlService(DaemonRuntime runtime, ActivityRecorder activity, EventJournal journal, Action<string> log,
        string? configPath, Func<DaemonSettings, DaemonSettings> overlay, HostPaths paths)
    {
        Runtime = runtime;
        Activity = activity;
        _journal = journal;
        _log = log;
        _configPath = configPath;
        _overlay = overlay;
        _paths = paths;
        Config = new ConfigIdentity(configPath ?? ConfigLoader.DefaultSource, configPath is null ? null : ConfigIdentity.HashFile(configPath), DateTimeOffset.UtcNow);
        if (!EventFd.TryCreate(out _eventFd, out int errno) || !runtime.Loop.TryRegister(_eventFd, Epoll.EpollIn, this, out _token, out errno))
            throw new IOException("eventfd for reloads: " + Linux.Interop.Errno.Describe(errno));
        runtime.Counters.Add(activity);
        runtime.Counters.Add(this);
    }

    public DaemonRuntime Runtime { get; }

    public ActivityRecorder Activity { get; }

    public ConfigIdentity Config { get; private set; }

    public long Reloads => Interlocked.Read(ref _applied);

    /// <summary>Where STATUS= goes when systemd runs the daemon (set after READY).</summary>
    public NotifyStatus? Notify { get; set; }

    public List<CounterSample> CollectCounters() => Runtime.Counters.Collect();

    /// <summary>Asks for a reload (any thread: SIGHUP's handler, or the loop for the <c>reload</c> request);
    /// <paramref name="done"/> is called on the loop with the outcome. Requests arriving while a file is being
    /// validated are served by a second validation, so none is answered with a file read before it was asked for.</summary>
    public void RequestReload(string origin, Action<ReloadOutcome>? done)
    {
        lock (_lock)
        {
            if (done is not null) _waiting.Add(done);
            else _waiting.Add(static _ => { });
            if (_validating)
            {
                _again = true;
                return;
            }
            StartValidation(origin);
        }
    }

    private void StartValidation(string origin)
    {
        _validating = true;
        (_running, _waiting) = (_waiting, []);
        var thread = new Thread(() => Validate(origin)) { IsBackground = true, Name = "reload" };
        thread.Start();
    }

    /// <summary>Off the loop: reading the file and resolving names (NSS may be slow) never delays a tick.</summary>
    private void Validate(string origin)
    {
        ReloadOutcome outcome;
        LoadedConfig? config = null;
        if (_configPath is null)
        {
            config = ConfigLoader.Default();
            outcome = new ReloadOutcome(true, ConfigLoader.DefaultSource, null, [], [], []);
        }
        else
        {
            string? sha = ConfigIdentity.HashFile(_configPath);
            ConfigLoadResult result;
            try
            {
                result = ConfigLoader.LoadFile(_configPath, ConfigHost.Live(_paths));
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                result = ConfigLoadResult.Failed([new ConfigError(_configPath, 0, 0, "internal error while validating: " + e.GetType().Name)]);
            }
            if (result.Success)
            {
                config = result.Config;
                var warnings = new List<string>();
                foreach (var w in result.Warnings) warnings.Add(w.ToString());
                warnings.AddRange(Core.Policy.ProtectionAudit.Warnings(result.Config.Policy));
                outcome = new ReloadOutcome(true, _configPath, sha, [], warnings, []);
            }
            else outcome = ReloadOutcome.Rejected(_configPath, sha, result.Errors, result.Warnings);
        }
        lock (_lock)
        {
            _done = outcome;
            _validated = config;
        }
        RawFile.TryWrite(_eventFd, BitConverter.GetBytes(1UL), out _);
    }

    /// <summary>On the loop, between ticks: the validation finished.</summary>
    public void OnReady(uint events)
    {
        EventFd.Drain(_eventFd);
        ReloadOutcome? outcome;
        LoadedConfig? config;
        List<Action<ReloadOutcome>> replies;
        lock (_lock)
        {
            outcome = _done;
            config = _validated;
            _done = null;
            _validated = null;
            if (outcome is null) return;
            replies = _running;
            _running = [];
            _validating = false;
            if (_again)
            {
                _again = false;
                StartValidation("again");
            }
        }
        outcome = Apply(outcome, config);
        foreach (var reply in replies) reply(outcome);
    }

    private ReloadOutcome Apply(ReloadOutcome outcome, LoadedConfig? config)
    {
        var time = DateTimeOffset.UtcNow;
        if (!outcome.Applied || config is null)
        {
            Interlocked.Increment(ref _rejected);
            foreach (var e in outcome.Errors) _log("reload: " + e);
            _log($"reload: {outcome.Path}: {outcome.Errors.Count} error(s), rejected; the running policy stays ({Config.Path}, sha256 {Config.Sha256 ?? "-"})");
            _journal.Append(new KillEvent { Event = "reload", Time = time, Result = "rejected", Sha256 = outcome.Sha256, Message = string.Join("; ", outcome.Errors), DryRun = Runtime.Runner.Settings.Action.DryRun }, sync: true);
            return outcome;
        }
        Notify?.Reloading();
        var restart = Runtime.Reconfigure(config with { Settings = _overlay(config.Settings) });
        Interlocked.Increment(ref _applied);
        Config = new ConfigIdentity(outcome.Path, outcome.Sha256, time);
        foreach (var w in outcome.Warnings) _log("reload: warning: " + w);
        string waits = restart.Count == 0 ? "" : "; not applied until a restart: " + string.Join(", ", restart);
        _log($"reload: {outcome.Path} (sha256 {outcome.Sha256 ?? "-"}) applied at a tick boundary; {Runtime.Domains.All.Length} domain(s), "
            + $"{Runtime.Engine.KillsInFlight.Count} kill(s) in flight kept{waits}");
        _journal.Append(new KillEvent { Event = "reload", Time = time, Result = "applied", Sha256 = outcome.Sha256, Message = outcome.Path + waits, DryRun = Runtime.Runner.Settings.Action.DryRun }, sync: true);
        Notify?.ReadyAgain();
        return outcome with { RestartNeeded = restart };
    }

    /// <summary>Pause (true) or resume (false), on the loop; returns whether the daemon was paused before.</summary>
    public bool SetPaused(bool paused, PeerCredentials by)
    {
        var state = Runtime.Engine.State;
        bool was = state.Paused;
        if (was == paused) return was;
        state.Paused = paused;
        string who = $"uid {by.Uid} (pid {by.Pid})";
        _log(paused
            ? $"paused by {who}: every domain is still read and its level reported; no new victim is chosen or signalled until resume "
                + $"(kills in flight are finished: {Runtime.Engine.KillsInFlight.Count} now)"
            : $"resumed by {who}: acting again");
        _journal.Append(new KillEvent { Event = paused ? "pause" : "resume", Time = DateTimeOffset.UtcNow, Message = "by " + who, DryRun = Runtime.Runner.Settings.Action.DryRun }, sync: true);
        Notify?.Update();
        return was;
    }

    public void Collect(List<CounterSample> into)
    {
        into.Add(new CounterSample("oomwarden_config_reloads_total", "Reloads (SIGHUP or the reload request) by result.", Interlocked.Read(ref _applied), [new("result", "applied")]));
        into.Add(new CounterSample("oomwarden_config_reloads_total", "Reloads (SIGHUP or the reload request) by result.", Interlocked.Read(ref _rejected), [new("result", "rejected")]));
    }

    public void Dispose()
    {
        Runtime.Loop.Unregister(_eventFd, _token);
        EventFd.Close(_eventFd);
    }
}
