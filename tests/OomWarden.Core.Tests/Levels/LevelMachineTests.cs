using Microsoft.Extensions.Time.Testing;
using OomWarden.Core.Engine;
using OomWarden.Core.Levels;
using OomWarden.Core.Model;
using OomWarden.Core.Settings;

namespace OomWarden.Core.Tests.Levels;

/// <summary>The level machine over recorded series: each reading is fed at its time on a fake clock, and the
/// changes it reports are compared with what an admin expects.</summary>
public class LevelMachineTests
{
    private const long GiB = 1L << 30;
    private const long MiB = 1L << 20;
    private const long Total = 16 * GiB;
    private const long Term = Total / 10;

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero));

    /// <summary>The example levels.</summary>
    private static LevelSettings Defaults => new();

    private static LevelInput Reading(long available, double someAvg10 = 0, double fullAvg10 = 0, bool psi = true)
        => new(available, Total, Term, new PressureStats(new PressureLine(someAvg10, 0, 0, 0), new PressureLine(fullAvg10, 0, 0, 0), true), psi);

    private static long Percent(double p) => (long)(Total * p / 100);

    /// <summary>Feeds <paramref name="series"/>, one reading per <paramref name="step"/>; returns the changes.</summary>
    private List<(TimeSpan At, WarningLevel From, WarningLevel To)> Run(LevelMachine m, IEnumerable<LevelInput> series, TimeSpan step)
    {
        var changes = new List<(TimeSpan, WarningLevel, WarningLevel)>();
        var start = _time.GetUtcNow();
        foreach (var r in series)
        {
            if (m.Update(_time.GetTimestamp(), r, out var from)) changes.Add((_time.GetUtcNow() - start, from, m.Level));
            _time.Advance(step);
        }
        return changes;
    }

    private LevelMachine Machine(LevelSettings? s = null) => new(s ?? Defaults, _time.TimestampFrequency);

    [Fact]
    public void FlappingAroundTheLowLevelGivesOneChangeThenFallsOnlyAfterTheHold()
    {
        var m = Machine();
        // 19.9 % / 20.1 % alternating every second for a minute, then 30 % for ten seconds.
        var flapping = Enumerable.Range(0, 60).Select(i => Reading(Percent(i % 2 == 0 ? 19.9 : 20.1)));
        var calm = Enumerable.Range(0, 10).Select(_ => Reading(Percent(30)));
        var changes = Run(m, flapping.Concat(calm), TimeSpan.FromSeconds(1));

        Assert.Equal(2, changes.Count);
        Assert.Equal((TimeSpan.Zero, WarningLevel.None, WarningLevel.Low), changes[0]);
        // The last 19.9 % reading was at 58 s: low falls 5 s later (the first reading at or after 63 s).
        Assert.Equal((TimeSpan.FromSeconds(63), WarningLevel.Low, WarningLevel.None), changes[1]);
    }

    [Fact]
    public void ASlowLeakClimbsEveryLevelInOrderAndNeverFalls()
    {
        var m = Machine(Defaults with { Critical = new() { Available = Threshold.FromPercent(8) } });
        // From 40 % down to 5 % at 10 MiB/s, read every 500 ms.
        long available = Percent(40);
        var series = new List<LevelInput>();
        while (available > Percent(5))
        {
            series.Add(Reading(available));
            available -= 5 * MiB;
        }
        var changes = Run(m, series, TimeSpan.FromMilliseconds(500));

        Assert.Equal([(WarningLevel.None, WarningLevel.Low), (WarningLevel.Low, WarningLevel.Medium), (WarningLevel.Medium, WarningLevel.Critical)],
            changes.Select(c => (c.From, c.To)));
        // Low at 20 %: (40 − 20) % of 16 GiB at 10 MiB/s.
        Assert.InRange(changes[0].At.TotalSeconds, 327, 329);
    }

    [Fact]
    public void ASuddenSpikeJumpsStraightToCriticalAndFallsStraightBackAfterTheHold()
    {
        var m = Machine();
        var series = Enumerable.Repeat(Reading(Percent(50)), 5)
            .Concat(Enumerable.Repeat(Reading(Percent(5)), 3))
            .Concat(Enumerable.Repeat(Reading(Percent(50)), 20));
        var changes = Run(m, series, TimeSpan.FromSeconds(1));

        Assert.Equal(2, changes.Count);
        Assert.Equal((TimeSpan.FromSeconds(5), WarningLevel.None, WarningLevel.Critical), changes[0]);
        // Last critical reading at 7 s: every level's conditions ended then, so critical falls to none at 12 s.
        Assert.Equal((TimeSpan.FromSeconds(12), WarningLevel.Critical, WarningLevel.None), changes[1]);
    }

    [Fact]
    public void AfterCriticalALevelStillHeldIsWhereItFalls()
    {
        var m = Machine();
        var series = Enumerable.Repeat(Reading(Percent(5)), 2).Concat(Enumerable.Repeat(Reading(Percent(17)), 12));
        var changes = Run(m, series, TimeSpan.FromSeconds(1));
        Assert.Equal([(WarningLevel.None, WarningLevel.Critical), (WarningLevel.Critical, WarningLevel.Low)], changes.Select(c => (c.From, c.To)));
        Assert.Equal(TimeSpan.FromSeconds(6), changes[1].At);
    }

    [Fact]
    public void PsiStallWithPlentyOfMemAvailableIsMediumThenCritical()
    {
        var m = Machine();
        // Thrashing: 60 % available all along, but tasks stall on memory.
        var series = new[]
        {
            Reading(Percent(60)),
            Reading(Percent(60), someAvg10: 25),
            Reading(Percent(60), someAvg10: 45, fullAvg10: 12),
        };
        var changes = Run(m, series, TimeSpan.FromSeconds(1));
        Assert.Equal([(WarningLevel.None, WarningLevel.Medium), (WarningLevel.Medium, WarningLevel.Critical)], changes.Select(c => (c.From, c.To)));
        Assert.Contains("psi full avg10 12.00 >= 10", m.Describe(m.Level), StringComparison.Ordinal);
    }

    [Fact]
    public void WithoutPsiThePsiConditionsAreFalse()
    {
        var m = Machine();
        var changes = Run(m, [Reading(Percent(60), someAvg10: 99, fullAvg10: 99, psi: false)], TimeSpan.FromSeconds(1));
        Assert.Empty(changes);
        Assert.Equal(WarningLevel.None, m.Level);
    }

    [Fact]
    public void ExhaustionInHoldsOnASteadySlopeBeforeAnyAvailableLevel()
    {
        // Only exhaustion_in: critical when the term level (10 %) is less than 10 s away.
        var s = new LevelSettings { Low = new(), Medium = new(), Critical = new() { ExhaustionIn = TimeSpan.FromSeconds(10) } };
        var m = Machine(s);
        // 60 % falling at 200 MiB/s, read every 100 ms.
        long available = Percent(60);
        TimeSpan? criticalAt = null;
        for (int i = 0; i < 600 && criticalAt is null; i++)
        {
            if (m.Update(_time.GetTimestamp(), Reading(available), out _) && m.Level == WarningLevel.Critical)
                criticalAt = TimeSpan.FromMilliseconds(100 * i);
            available -= 20 * MiB;
            _time.Advance(TimeSpan.FromMilliseconds(100));
        }
        Assert.NotNull(criticalAt);
        // The slope is learned within a few time constants (2 s); then the prediction is exact: critical when
        // (available − term) / 200 MiB/s <= 10 s, i.e. at 2000 MiB above the term level.
        double exactSeconds = (Percent(60) - Term - 2000.0 * MiB) / (200.0 * MiB);
        Assert.InRange(criticalAt!.Value.TotalSeconds, exactSeconds - 0.5, exactSeconds + 0.5);
        Assert.InRange(-m.SlopeBytesPerSecond, 195.0 * MiB, 205.0 * MiB);
        Assert.Contains("term level in", m.Describe(WarningLevel.Critical), StringComparison.Ordinal);
    }

    [Fact]
    public void ExhaustionInDoesNotHoldWhileMemoryComesBack()
    {
        var s = new LevelSettings { Low = new(), Medium = new(), Critical = new() { ExhaustionIn = TimeSpan.FromSeconds(10) } };
        var m = Machine(s);
        long available = Percent(11);
        for (int i = 0; i < 100; i++)
        {
            m.Update(_time.GetTimestamp(), Reading(available), out _);
            available += 20 * MiB;
            _time.Advance(TimeSpan.FromMilliseconds(100));
        }
        Assert.Equal(WarningLevel.None, m.Level);
        Assert.True(m.SlopeBytesPerSecond > 0);
    }

    [Fact]
    public void AHeldLevelRepeatsEveryRepeatAndTheDeadlineSaysWhen()
    {
        var m = Machine();
        long t0 = _time.GetTimestamp();
        Assert.True(m.Update(t0, Reading(Percent(15)), out _));
        Assert.False(m.RepeatDue(t0));
        Assert.Equal(t0 + 10 * _time.TimestampFrequency, m.NextDeadline);
        _time.Advance(TimeSpan.FromSeconds(9.9));
        Assert.False(m.RepeatDue(_time.GetTimestamp()));
        _time.Advance(TimeSpan.FromSeconds(0.1));
        Assert.True(m.RepeatDue(_time.GetTimestamp()));
        m.Notified(_time.GetTimestamp());
        Assert.False(m.RepeatDue(_time.GetTimestamp()));
        // Conditions end: the next deadline is the end of the hold.
        long last = _time.GetTimestamp();
        m.Update(last, Reading(Percent(15)), out _);
        _time.Advance(TimeSpan.FromSeconds(1));
        m.Update(_time.GetTimestamp(), Reading(Percent(50)), out _);
        Assert.Equal(last + 5 * _time.TimestampFrequency, m.NextDeadline);
    }

    [Fact]
    public void DistanceToNextIsToTheNearestLooserLevelAbove()
    {
        var m = Machine();
        m.Update(_time.GetTimestamp(), Reading(Percent(50)), out _);
        Assert.Equal(Percent(50) - Percent(20), m.DistanceToNextBytes);
        m.Update(_time.GetTimestamp(), Reading(Percent(17)), out _);
        Assert.Equal(Percent(17) - Percent(15), m.DistanceToNextBytes);
    }

    [Fact]
    public void ALevelWithNoConditionNeverHolds()
    {
        var m = Machine(Defaults with { Low = new() });
        Assert.False(m.Update(_time.GetTimestamp(), Reading(Percent(17)), out _));
        Assert.Equal(WarningLevel.None, m.Level);
    }
}
