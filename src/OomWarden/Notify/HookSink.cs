using System.Text;
using OomWarden.Core.Engine;
using OomWarden.Core.Settings;
using OomWarden.Linux.Notify;

namespace OomWarden.Notify;

/// <summary><c>[notify] hooks</c>: each hook has its own worker thread and bounded queue, so a slow hook delays
/// neither the loop nor the other hooks. A run: argv as written (no shell), the event's JSON on stdin, a clean
/// environment with <c>OOMWARDEN_*</c> variables, its own process group (SIGKILLed at the timeout), stdout and
/// stderr together into the daemon log, at most <see cref="MaxOutputBytes"/>.</summary>
public sealed class HookSink : IEventSink, ICounterSource, IDisposable
{
    public const int MaxOutputBytes = 4096;
    private const int QueueCapacity = 16;

    private readonly Hook[] _hooks;
    private readonly bool _dryRun;
    private readonly Action<string> _log;

    public HookSink(IReadOnlyList<HookSettings> hooks, bool dryRun, Action<string> log)
    {
        _dryRun = dryRun;
        _log = log;
        _hooks = new Hook[hooks.Count];
        for (int i = 0; i < hooks.Count; i++)
        {
            var h = new Hook(hooks[i]);
            h.Worker = new BoundedWorker<NotifyEvent>("oomwarden-hook-" + (i + 1), QueueCapacity, e => h.Run(e, log), log);
            _hooks[i] = h;
        }
    }

    public void Publish(EngineEvent e)
    {
        string? kind = e switch
        {
            // A change runs the hooks; the reminders of a level that holds (every [levels] repeat) do not.
            WarningChanged { IsRepeat: true } => null,
            WarningChanged => "level",
            Judged or WouldKill => "kill",
            KernelKill => "kernel_kill",
            _ => null,
        };
        if (kind is null) return;
        NotifyEvent? built = null;
        foreach (var h in _hooks)
        {
            if (!Listens(h.Settings.On, kind)) continue;
            built ??= NotifyEvent.From(e, _dryRun);
            if (built is null) return;
            if (!h.Worker.TryPost(built) && h.Worker.Dropped == 1)
                _log($"hook {h.Name}: queue full ({QueueCapacity}), events dropped (counted) until it catches up");
        }
    }

    public void Collect(List<CounterSample> into)
    {
        foreach (var h in _hooks)
        {
            KeyValuePair<string, string>[] labels = [new("hook", h.Name)];
            into.Add(new CounterSample("oomwarden_hook_runs_total", "Hook runs, by hook.", Interlocked.Read(ref h.Runs), labels));
            into.Add(new CounterSample("oomwarden_hook_failures_total", "Hook runs that failed (not started, non-zero exit, signal, timeout).", Interlocked.Read(ref h.Failures), labels));
            into.Add(new CounterSample("oomwarden_hook_timeouts_total", "Hook runs killed at their timeout.", Interlocked.Read(ref h.Timeouts), labels));
            into.Add(new CounterSample("oomwarden_hook_dropped_total", "Events not handed to a hook (its queue was full).", h.Worker.Dropped, labels));
        }
    }

    public void Dispose()
    {
        foreach (var h in _hooks) h.Worker.Stop(TimeSpan.FromSeconds(1));
    }

    private sealed class Hook(HookSettings settings)
    {
        public HookSettings Settings { get; } = settings;
        public string Name { get; } = settings.Argv[0];
        public BoundedWorker<NotifyEvent> Worker { get; set; } = null!;
        public long Runs, Failures, Timeouts;

        public void Run(NotifyEvent e, Action<string> log)
        {
            var r = ChildProcess.Run(Settings.Argv, e.Environment, e.Json, Settings.Timeout, MaxOutputBytes);
            Interlocked.Increment(ref Runs);
            if (!r.Succeeded) Interlocked.Increment(ref Failures);
            if (r.TimedOut) Interlocked.Increment(ref Timeouts);
            var line = new StringBuilder($"hook {Name} ({e.Kind}, pid {r.Pid}): {r.Describe(Settings.Timeout)}, {r.Elapsed.TotalMilliseconds:0} ms");
            log(line.ToString());
            if (r.Output.Length > 0)
            {
                foreach (var l in r.Output.TrimEnd('\n').Split('\n')) log($"hook {Name}: {l}");
            }
            if (r.OutputTruncated) log($"hook {Name}: output cut at {MaxOutputBytes} bytes");
        }
    }

    private static bool Listens(IReadOnlyList<string> on, string kind)
    {
        foreach (var k in on)
            if (k == kind) return true;
        return false;
    }
}
