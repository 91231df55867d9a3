using Microsoft.Extensions.Time.Testing;
using OomWarden.Core.Engine;
using OomWarden.Core.Levels;
using OomWarden.Core.Model;
using OomWarden.Core.Settings;

namespace OomWarden.Core.Tests.Levels;

/// <summary>The engine's graded warnings and the cooperative release as a state machine: commands out, answers in,
/// deadlines on a fake clock; nothing sleeps and nothing here kills.</summary>
public class EngineLevelsTests : IEventSink
{
    private const long GiB = 1L << 30;
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero));
    private readonly List<EngineEvent> _events = [];
    private readonly SystemDomain _system = new(new SystemThresholds(), 0);
    private readonly OomEngine _engine;

    public EngineLevelsTests()
    {
        _engine = new OomEngine(new EngineOptions { InstanceId = "t", Levels = new LevelSettings() }, _time, this);
        _engine.SetDomains([_system]);
    }

    void IEventSink.Publish(EngineEvent e) => _events.Add(e);

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

    [Fact]
    public void ChangesArePublishedOnceAndRepeatedEveryRepeatWhileHeld()
    {
        Step(18);
        var w = Assert.IsType<WarningChanged>(Assert.Single(_events));
        Assert.Equal((WarningLevel.None, WarningLevel.Low), (w.From, w.To));
        Assert.Equal(_system.AvailableBytes, w.AvailableBytes);
        Assert.StartsWith("available 2.9 GiB <= 20%", w.Reason, StringComparison.Ordinal);
        for (int i = 0; i < 25; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(1));
            Step(18);
        }
        var repeats = _events.OfType<WarningChanged>().Skip(1).ToList();
        Assert.Equal(2, repeats.Count);
        Assert.All(repeats, r => Assert.True(r.IsRepeat));
        Assert.Empty(Commands());  // low asks nobody to release
    }

    [Fact]
    public void AtMediumSubscribersAreAskedOneAtATimeUntilTheDomainRecovers()
    {
        Step(14);
        var ask = Assert.Single(Commands());
        Assert.Equal(CommandKind.AskRelease, ask.Kind);
        var first = ask.Release!;
        Assert.Equal(TimeSpan.FromSeconds(3), first.Grace);
        // Target: back up to low's 20 % (6 % of 16 GiB).
        Assert.InRange(first.TargetBytes, (long)(0.059 * 16 * GiB), (long)(0.061 * 16 * GiB));
        first.Pid = 100;
        _engine.OnReleaseAsked(first, sent: true);
        Assert.Contains(_events, e => e is ReleaseAsked a && a.Request == first);
        Assert.Equal(_time.GetTimestamp() + 3 * _time.TimestampFrequency, _engine.NextDeadline);

        _time.Advance(TimeSpan.FromSeconds(2.9));
        Step(14);
        Assert.Empty(Commands());
        _time.Advance(TimeSpan.FromSeconds(0.1));
        Step(14);
        var measure = Assert.Single(Commands());
        Assert.Equal((CommandKind.MeasureRelease, first), (measure.Kind, measure.Release));

        // Still at medium: the next subscriber, never the first again.
        _engine.OnReleaseMeasured(first);
        Assert.True(Assert.Single(_events.OfType<ReleaseMeasured>()).StillShort);
        var next = Assert.Single(Commands());
        Assert.Equal(CommandKind.AskRelease, next.Kind);
        Assert.Equal([100], next.Release!.AlreadyAsked);
        next.Release.Pid = 200;
        _engine.OnReleaseAsked(next.Release, sent: true);

        // The second one frees enough: measured at its deadline, nobody else is asked, and after the hold the
        // level falls and the episode ends.
        _time.Advance(TimeSpan.FromSeconds(3));
        Step(30);
        var m2 = Assert.Single(Commands());
        _engine.OnReleaseMeasured(m2.Release!);
        Assert.False(_events.OfType<ReleaseMeasured>().Last().StillShort);
        for (int i = 0; i < 8; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(1));
            Step(30);
        }
        Assert.Empty(Commands());
        Assert.Equal(2, _events.OfType<ReleaseMeasured>().Count());
        Assert.Equal(WarningLevel.None, _engine.WarningOf("system"));
    }

    [Fact]
    public void NobodyLeftToAskStopsAskingUntilTheNextEpisode()
    {
        Step(14);
        var ask = Assert.Single(Commands());
        _engine.OnReleaseAsked(ask.Release!, sent: false);
        for (int i = 0; i < 10; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(1));
            Step(14);
        }
        Assert.Empty(Commands());
        Assert.DoesNotContain(_events, e => e is ReleaseAsked);
        // Out of medium for longer than the hold, then back: a new episode asks again.
        for (int i = 0; i < 7; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(1));
            Step(50);
        }
        Step(14);
        Assert.Equal(CommandKind.AskRelease, Assert.Single(Commands()).Kind);
    }
}
