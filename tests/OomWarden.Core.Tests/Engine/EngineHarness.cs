using Microsoft.Extensions.Time.Testing;
using OomWarden.Core.Decisions;
using OomWarden.Core.Engine;
using OomWarden.Core.Levels;
using OomWarden.Core.Model;
using OomWarden.Core.Policy;
using OomWarden.Core.Settings;

namespace OomWarden.Core.Tests.Engine;

/// <summary>A fake host around the real engine: a fake clock, literal decisions per domain, processes that exit
/// on SIGTERM or only on SIGKILL, and every command and event recorded in order. Exits are reported at the next
/// <see cref="Run"/>, as the daemon's loop sees a pidfd turn readable on its next wake-up.</summary>
public sealed class EngineHarness : IEventSink
{
    public const long MiB = 1L << 20;
    public const long GiB = 1L << 30;
    public static readonly long PrepareMargin = 1 * GiB;

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero));
    public OomEngine Engine { get; private set; }
    public List<EngineEvent> Events { get; } = [];

    /// <summary>Commands and events in the order the host saw them ("Signalling pid 10", "Signal 15 pid 10", ...).</summary>
    public List<string> Trace { get; } = [];

    public Dictionary<string, Func<Decision>> Decide { get; } = new(StringComparer.Ordinal);
    public HashSet<int> Alive { get; } = [];
    public HashSet<int> IgnoresTerm { get; } = [];

    /// <summary>Processes that do not exit even on SIGKILL (stuck in the kernel, or exiting slowly): the pidfd stays
    /// quiet.</summary>
    public HashSet<int> Stuck { get; } = [];

    /// <summary>A domain's view for a real selector (<see cref="Selector"/>), screened by the engine as the daemon's
    /// host does (<see cref="OomEngine.Screen"/>); used instead of <see cref="Decide"/> when set.</summary>
    public Dictionary<string, Func<IDomainView>> Views { get; } = new(StringComparer.Ordinal);
    public IVictimSelector? Selector { get; set; }

    /// <summary>What the cgroup killer reports: ("exited", 0) unless set, or ("still_alive", survivors).</summary>
    public (string Result, int Survivors) CgroupKillOutcome { get; set; } = ("exited", 0);
    public List<(int Pid, int Signal)> Sent { get; } = [];
    public List<string> Selected { get; } = [];
    public List<string> CgroupsKilled { get; } = [];
    private readonly List<KillInFlight> _exitsPending = [];

    /// <summary>The host's release channel ([levels] at medium): picks and asks a subscriber (true) or finds nobody
    /// (false, also when unset); <see cref="MeasureRelease"/> fills in the "after" figures at the deadline.</summary>
    public Func<ReleaseRequest, bool>? AskRelease { get; set; }
    public Action<ReleaseRequest>? MeasureRelease { get; set; }

    public EngineHarness(EngineOptions? options = null, EngineState? state = null)
        => Engine = new OomEngine(options ?? new EngineOptions { InstanceId = "t" }, Time, this, state);

    public void Restart(EngineOptions? options = null)
    {
        _exitsPending.Clear();
        Engine = new OomEngine(options ?? new EngineOptions { InstanceId = "t2" }, Time, this);
    }

    /// <summary>A reload: a new engine handed the old engine's state (kills in flight, levels, counts).</summary>
    public void Reload(EngineOptions? options = null) =>
        Engine = new OomEngine(options ?? new EngineOptions { InstanceId = "t" }, Time, this, Engine.State);

    public static SystemThresholds SystemLevels => new();

    public static CgroupThresholds CgroupLevels => new();

    public void Publish(EngineEvent e)
    {
        Events.Add(e);
        Trace.Add(e switch
        {
            Signalling s => $"event Signalling {Who(s.Kill)} {s.Signal}",
            Judged j => $"event Judged {Who(j.Kill)}",
            _ => "event " + e.GetType().Name,
        });
    }

    private static string Who(KillInFlight k) => k.WholeCgroup ? "cgroup " + k.CgroupPath : "pid " + k.Pid;

    /// <summary>Reports exits seen since the last run, steps the engine, and carries out every command.</summary>
    public void Run()
    {
        foreach (var k in _exitsPending.ToArray())
        {
            _exitsPending.Remove(k);
            Engine.OnExited(k);
        }
        Engine.Step();
        while (Engine.TryTakeCommand(out var c))
        {
            switch (c.Kind)
            {
                case CommandKind.Select:
                    Trace.Add("Select " + c.Domain!.Name);
                    Selected.Add(c.Domain!.Name);
                    var decision = Selector is not null && Views.TryGetValue(c.Domain.Name, out var view)
                        ? Selector.Select(Engine.Screen(view()))
                        : Decide.TryGetValue(c.Domain.Name, out var f) ? f() : Nothing(c.Domain.Domain);
                    Engine.OnDecision(c.Domain, decision, 1.5);
                    break;
                case CommandKind.OpenVictim:
                    Trace.Add("OpenVictim " + c.Kill!.Pid);
                    Engine.OnVictimOpened(c.Kill, Alive.Contains(c.Kill.Pid));
                    break;
                case CommandKind.Signal:
                    Trace.Add($"Signal {c.Signal} pid {c.Kill!.Pid}");
                    if (!Alive.Contains(c.Kill.Pid))
                    {
                        Engine.OnSignalSent(c.Kill, c.Signal, SignalResult.Gone);
                        break;
                    }
                    Sent.Add((c.Kill.Pid, c.Signal));
                    Engine.OnSignalSent(c.Kill, c.Signal, SignalResult.Sent);
                    if (!Stuck.Contains(c.Kill.Pid) && (c.Signal == Signals.SigKill || !IgnoresTerm.Contains(c.Kill.Pid)))
                    {
                        Alive.Remove(c.Kill.Pid);
                        _exitsPending.Add(c.Kill);
                    }
                    break;
                case CommandKind.ReleaseMemory:
                    Trace.Add("ReleaseMemory " + c.Kill!.Pid);
                    break;
                case CommandKind.KillCgroup:
                    Trace.Add("KillCgroup " + c.Kill!.CgroupPath);
                    CgroupsKilled.Add(c.Kill.CgroupPath);
                    Engine.OnCgroupKilled(c.Kill, CgroupKillOutcome.Result, CgroupKillOutcome.Survivors, "3 processes killed");
                    break;
                case CommandKind.CloseVictim:
                    Trace.Add("CloseVictim " + c.Kill!.Pid);
                    break;
                case CommandKind.AskRelease:
                    Trace.Add("AskRelease " + c.Domain!.Name);
                    Engine.OnReleaseAsked(c.Release!, AskRelease?.Invoke(c.Release!) ?? false);
                    break;
                case CommandKind.MeasureRelease:
                    Trace.Add("MeasureRelease pid " + c.Release!.Pid);
                    MeasureRelease?.Invoke(c.Release!);
                    Engine.OnReleaseMeasured(c.Release!);
                    break;
            }
        }
    }

    /// <summary>Advances the clock in steps, running the loop after each (as ticks would).</summary>
    public void RunFor(TimeSpan span, TimeSpan? step = null)
    {
        var s = step ?? TimeSpan.FromMilliseconds(10);
        for (var t = TimeSpan.Zero; t < span; t += s)
        {
            Time.Advance(s);
            Run();
        }
    }

    public IEnumerable<T> Of<T>() where T : EngineEvent => Events.OfType<T>();

    public static ProcessSample Process(int pid, string comm, string cgroup, long rssMiB = 100, ulong start = 1000, ulong mems = 0)
        => new() { Pid = pid, Comm = comm, CgroupPath = cgroup, RssBytes = rssMiB * MiB, StartTimeTicks = start, MemsAllowedMask = mems };

    public static Decision Kill(Domain domain, ProcessSample victim, CgroupNode? ladderCgroup = null, TimeSpan? grace = null, string rule = "default")
        => new()
        {
            Domain = domain,
            Victim = victim,
            VictimCgroup = ladderCgroup,
            Action = new VictimAction(ladderCgroup is null ? KillMode.Process : KillMode.Cgroup, Signals.SigTerm, grace ?? TimeSpan.FromSeconds(2)),
            Path = [new DecisionLevel(domain.CgroupPath, [new RankedCandidate(CandidateKind.Process, victim.Comm, victim.Pid, 0, false, victim.FootprintBytes, rule)])],
            Summary = $"pid {victim.Pid} ({victim.Comm})",
        };

    public static Decision Nothing(Domain domain) => new() { Domain = domain, Summary = "every candidate is protected" };

    /// <summary>A cgroup domain with a 1 GiB limit (term at 5 % headroom, kill at 2 %, both of the limit).</summary>
    public static CgroupDomain Cgroup(string path, long limitBytes = 1 * GiB) => new(path, limitBytes, CgroupLevels, 64 * MiB);

    /// <summary>Sets a cgroup's working set so that its headroom is <paramref name="headroomMiB"/>.</summary>
    public static void Headroom(CgroupDomain c, long headroomMiB) => c.Update(c.LimitBytes - headroomMiB * MiB, 0);

    public static MemoryInfo Meminfo(long totalMiB, long availableMiB)
        => new(totalMiB * MiB, availableMiB * MiB, availableMiB * MiB, 0, 0, 0, 0, 0, 0);
}
