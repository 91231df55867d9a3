using Microsoft.Extensions.Time.Testing;
using OomWarden.Core.Decisions;
using OomWarden.Core.Engine;
using OomWarden.Core.Levels;
using OomWarden.Core.Model;
using OomWarden.Core.Settings;

namespace OomWarden.Core.Tests.Levels;

/// <summary>Proactive reclaim at low as a state machine: RankReclaim out, candidates in, one Reclaim step out,
/// its measured result in. Only at low, lowest priority first, one step per interval, a cgroup stopped by PSI or
/// EAGAIN until its retry time; never at medium or critical; off unless the options carry reclaim settings.</summary>
public class EngineReclaimTests : IEventSink
{
    private const long MiB = 1L << 20;
    private const long GiB = 1L << 30;
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero));
    private readonly List<EngineEvent> _events = [];
    private readonly SystemDomain _system = new(new SystemThresholds(), 0);
    private OomEngine _engine;

    private static readonly ReclaimCandidate[] Candidates =
    [
        new("/batch", -100, 2 * GiB, "batch"),
        new("/web", 0, 4 * GiB, "web"),
    ];

    public EngineReclaimTests() => _engine = Engine(new ReclaimSettings());

    private OomEngine Engine(ReclaimSettings? reclaim, bool dryRun = false)
    {
        var e = new OomEngine(new EngineOptions { InstanceId = "t", Levels = new LevelSettings(), Reclaim = reclaim, DryRun = dryRun }, _time, this);
        e.SetDomains([_system]);
        return e;
    }

    void IEventSink.Publish(EngineEvent e) => _events.Add(e);

    /// <summary>One tick at <paramref name="availablePercent"/> of 16 GiB (low 20 %, medium 15 %, critical 12 %).</summary>
    private void Step(double availablePercent)
    {
        long total = 16 * GiB;
        _system.Update(new MemoryInfo(total, 0, (long)(total * availablePercent / 100), 0, 0, 0, 0, 0, 0));
        _engine.Step();
    }

    private List<EngineCommand> Commands()
    {
        var list = new List<EngineCommand>();
        while (_engine.TryTakeCommand(out var c)) list.Add(c);
        return list;
    }

    /// <summary>Steps at <paramref name="availablePercent"/>, answers a RankReclaim with <paramref name="candidates"/>
    /// and returns the step asked for (null when none).</summary>
    private ReclaimStep? Tick(double availablePercent, IReadOnlyList<ReclaimCandidate>? candidates = null)
    {
        Step(availablePercent);
        ReclaimStep? step = null;
        foreach (var c in Commands())
        {
            if (c.Kind == CommandKind.RankReclaim) _engine.OnReclaimCandidates(c.Domain!, candidates ?? Candidates);
        }
        foreach (var c in Commands())
        {
            if (c.Kind == CommandKind.Reclaim) step = c.Reclaim;
        }
        return step;
    }

    private void Answer(ReclaimStep step, ReclaimResult result, long reclaimed = 100 * MiB, double psiAfter = 0.1)
    {
        step.Result = result;
        step.UsageBeforeBytes = 2 * GiB;
        step.UsageAfterBytes = 2 * GiB - reclaimed;
        step.PsiBefore = 0;
        step.PsiAfter = psiAfter;
        _engine.OnReclaimed(step);
    }

    private void Advance(double seconds) => _time.Advance(TimeSpan.FromSeconds(seconds));

    [Fact]
    public void OffByDefault()
    {
        Assert.Null(new EngineOptions().Reclaim);
        _engine = Engine(null);
        for (int i = 0; i < 20; i++)
        {
            Step(18);
            Assert.DoesNotContain(Commands(), c => c.Kind is CommandKind.RankReclaim or CommandKind.Reclaim);
            Advance(1);
        }
    }

    [Fact]
    public void AtLowTheLowestPriorityCgroupGetsOneStepPerInterval()
    {
        var step = Tick(18);
        Assert.NotNull(step);
        Assert.Equal(("/batch", -100, "batch"), (step.Cgroup, step.Priority, step.Rule));
        Assert.Equal((long)(16 * GiB * 0.01), step.RequestedBytes);  // 1 % of MemTotal
        Assert.Equal(1.0, step.StopPsiSomeAvg10);

        // While the step is out, no second one; answered, the next waits for the interval (5 s).
        Assert.Null(Tick(18));
        Answer(step, ReclaimResult.Ok);
        var stepped = Assert.Single(_events.OfType<ReclaimStepped>());
        Assert.False(stepped.Stopped);
        Assert.Equal(100 * MiB, stepped.Step.ReclaimedBytes);
        Assert.Equal(_time.GetTimestamp() + 5 * _time.TimestampFrequency, _engine.NextDeadline);
        Advance(4.9);
        Assert.Null(Tick(18));
        Advance(0.1);
        Assert.Equal("/batch", Tick(18)?.Cgroup);
    }

    [Fact]
    public void APressureRiseStopsTheCgroupAndTheNextOneIsReclaimedUntilTheRetryTime()
    {
        var first = Tick(18)!;
        Answer(first, ReclaimResult.Ok, psiAfter: 2.5);
        Assert.True(_events.OfType<ReclaimStepped>().Single().Stopped);

        Advance(5);
        var second = Tick(18)!;
        Assert.Equal("/web", second.Cgroup);
        Answer(second, ReclaimResult.Partial);  // EAGAIN stops it too
        Assert.True(_events.OfType<ReclaimStepped>().Last().Stopped);

        // Both stopped: nothing to step until /batch's 30 s are over.
        for (int i = 0; i < 4; i++)
        {
            Advance(5);
            Assert.Null(Tick(18));
        }
        Advance(10);
        Assert.Equal("/batch", Tick(18)?.Cgroup);
    }

    [Fact]
    public void TheHostRefusingAStepOnPressureStopsTheCgroup()
    {
        var first = Tick(18)!;
        first.Result = ReclaimResult.Pressure;
        first.PsiBefore = 4.0;
        _engine.OnReclaimed(first);
        Assert.True(_events.OfType<ReclaimStepped>().Single().Stopped);
        Advance(5);
        Assert.Equal("/web", Tick(18)?.Cgroup);
    }

    [Fact]
    public void NeverAtMediumOrCritical()
    {
        // Medium: the release path asks subscribers; nothing is ranked or reclaimed.
        Step(14);
        var cmds = Commands();
        Assert.Contains(cmds, c => c.Kind == CommandKind.AskRelease);
        Assert.DoesNotContain(cmds, c => c.Kind is CommandKind.RankReclaim or CommandKind.Reclaim);
        _engine.OnReleaseAsked(cmds.First(c => c.Kind == CommandKind.AskRelease).Release!, sent: false);
        for (int i = 0; i < 10; i++)
        {
            Advance(1);
            Assert.Null(Tick(i % 2 == 0 ? 14 : 10));
        }
        // Back to low conditions while critical is still held (5 s): still nothing.
        Advance(1);
        Assert.Null(Tick(18));
        Assert.Equal(WarningLevel.Critical, _engine.WarningOf("system"));
        // Once the level is low: reclaim starts.
        Advance(5);
        Assert.Equal("/batch", Tick(18)?.Cgroup);
        Assert.Equal(WarningLevel.Low, _engine.WarningOf("system"));
    }

    [Fact]
    public void AStepOutWhenTheDomainRisesToMediumIsRecordedAndNoOtherFollows()
    {
        var step = Tick(18)!;
        Advance(1);
        Step(14);
        Commands();
        Answer(step, ReclaimResult.Ok);
        Assert.Single(_events.OfType<ReclaimStepped>());
        for (int i = 0; i < 10; i++)
        {
            Advance(1);
            Assert.Null(Tick(14));
        }
    }

    [Fact]
    public void NoStepWhileLowIsOnlyHeldOrAboveIt()
    {
        Assert.NotNull(Tick(18));
        _engine = Engine(new ReclaimSettings());
        // Plenty available: no level, no step.
        Assert.Null(Tick(50));
        Assert.Empty(_events.OfType<ReclaimStepped>());
    }

    [Fact]
    public void SmallCgroupsAreSkippedAndAStepNeverAsksMoreThanTheCgroupUses()
    {
        var step = Tick(18, [new("/tiny", -200, 512 * 1024, "t"), new("/small", -100, 40 * MiB, "s")])!;
        Assert.Equal(("/small", 40 * MiB), (step.Cgroup, step.RequestedBytes));
    }

    [Fact]
    public void NothingToRankLooksAgainAfterAnInterval()
    {
        Assert.Null(Tick(18, []));
        Advance(4);
        Step(18);
        Assert.Empty(Commands());
        Advance(1);
        Step(18);
        Assert.Equal(CommandKind.RankReclaim, Assert.Single(Commands()).Kind);
    }

    [Fact]
    public void ADryRunRecordsTheStepWithoutAskingTheHost()
    {
        _engine = Engine(new ReclaimSettings(), dryRun: true);
        Step(18);
        var rank = Assert.Single(Commands());
        _engine.OnReclaimCandidates(rank.Domain!, Candidates);
        Assert.Empty(Commands());
        var s = Assert.Single(_events.OfType<ReclaimStepped>());
        Assert.Equal((ReclaimResult.DryRun, "/batch"), (s.Step.Result, s.Step.Cgroup));
        Assert.Equal(0, s.Step.ReclaimedBytes);
    }

    [Fact]
    public void StepSizeAndIntervalComeFromTheSettings()
    {
        _engine = Engine(new ReclaimSettings { Step = Threshold.FromBytes(16 * MiB), Interval = TimeSpan.FromSeconds(1) });
        var step = Tick(18)!;
        Assert.Equal(16 * MiB, step.RequestedBytes);
        Answer(step, ReclaimResult.Ok);
        Advance(1);
        Assert.NotNull(Tick(18));
    }
}
