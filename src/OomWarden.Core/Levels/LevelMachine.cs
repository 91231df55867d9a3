using System.Globalization;
using OomWarden.Core.Engine;
using OomWarden.Core.Model;
using OomWarden.Core.Settings;

namespace OomWarden.Core.Levels;

/// <summary>The graded warning level of one domain, from its readings (pure: timestamps come in).</summary>
/// <remarks>
/// <para>Rising is immediate: the level is the highest whose conditions hold now (any condition of a level makes it
/// hold; a higher level implies the lower ones). Falling waits: a level stays while its conditions held within the
/// last <see cref="LevelSettings.Hold"/>, so input flapping around a threshold gives one change, not one per tick,
/// and a fall after a spike goes straight to the level that still holds.</para>
/// <para>Repeats: while a level is held, <see cref="RepeatDue"/> turns true every <see cref="LevelSettings.Repeat"/>
/// after the last notification. <see cref="Update"/> allocates nothing.</para>
/// </remarks>
public sealed class LevelMachine
{
    private readonly LevelSettings _settings;
    private readonly long _frequency;
    private readonly long _hold;
    private readonly long _repeat;
    private readonly long[] _lastHeld = new long[4];
    private readonly bool[] _everHeld = new bool[4];
    private SlopeEstimator _slope;
    private LevelInput _input;

    public LevelMachine(LevelSettings settings, long timestampFrequency)
    {
        _settings = settings;
        _frequency = timestampFrequency;
        _hold = (long)(settings.Hold.TotalSeconds * timestampFrequency);
        _repeat = (long)(settings.Repeat.TotalSeconds * timestampFrequency);
    }

    /// <summary>The level after the latest reading (with the hold applied).</summary>
    public WarningLevel Level { get; private set; }

    /// <summary>The highest level whose conditions hold at the latest reading (no hold).</summary>
    public WarningLevel Raw { get; private set; }

    /// <summary>When the latest change or repeat was notified (timestamp).</summary>
    public long NotifiedAt { get; private set; }

    /// <summary>Smoothed bytes per second of the available bytes (negative: filling up).</summary>
    public double SlopeBytesPerSecond => _slope.BytesPerSecond;

    public LevelInput Input => _input;

    /// <summary>Takes a reading. True when <see cref="Level"/> changed (<paramref name="previous"/> is the old one).</summary>
    public bool Update(long now, in LevelInput input, out WarningLevel previous)
    {
        _input = input;
        _slope.Add(now, input.AvailableBytes, _frequency);
        previous = Level;
        var raw = WarningLevel.None;
        for (int l = 3; l >= 1; l--)
        {
            if (!Holds(_settings.For(l), input)) continue;
            raw = (WarningLevel)l;
            break;
        }
        Raw = raw;
        for (int l = 1; l <= (int)raw; l++)
        {
            _lastHeld[l] = now;
            _everHeld[l] = true;
        }
        var level = raw;
        for (int l = (int)Level; l > (int)raw; l--)
        {
            if (_everHeld[l] && now - _lastHeld[l] < _hold)
            {
                level = (WarningLevel)l;
                break;
            }
        }
        if (level == Level) return false;
        Level = level;
        NotifiedAt = now;
        return true;
    }

    /// <summary>True when a held level is due to be notified again.</summary>
    public bool RepeatDue(long now) => Level > WarningLevel.None && now - NotifiedAt >= _repeat;

    public void Notified(long now) => NotifiedAt = now;

    /// <summary>The earliest timestamp at which the level may change or repeat without a new condition
    /// (long.MaxValue: none): the end of the hold of a level whose conditions no longer hold, the next repeat.</summary>
    public long NextDeadline
    {
        get
        {
            if (Level == WarningLevel.None) return long.MaxValue;
            long next = NotifiedAt + _repeat;
            if (Level > Raw) next = Math.Min(next, _lastHeld[(int)Level] + _hold);
            return next;
        }
    }

    /// <summary>Bytes between the available figure and the nearest <c>available</c> threshold of a level above the
    /// current one (long.MaxValue: none): the daemon polls so that the worst fill rate cannot cross it unseen.</summary>
    public long DistanceToNextBytes
    {
        get
        {
            long min = long.MaxValue;
            for (int l = (int)Level + 1; l <= 3; l++)
            {
                if (_settings.For(l).Available is not { } t) continue;
                long d = _input.AvailableBytes - t.ToBytes(_input.TotalBytes);
                if (d < min) min = d;
            }
            return min;
        }
    }

    /// <summary>Seconds to the term level at the smoothed slope; null when not falling.</summary>
    public double? ExhaustionSeconds => _slope.SecondsTo(_input.AvailableBytes, _input.TermAvailableBytes);

    private bool Holds(LevelConditions c, in LevelInput input)
    {
        if (c.Available is { } t && input.AvailableBytes <= t.ToBytes(input.TotalBytes)) return true;
        if (input.HasPressure)
        {
            if (c.PsiSomeAvg10 is { } some && input.Pressure.Some.Avg10 >= some) return true;
            if (c.PsiFullAvg10 is { } full && input.Pressure.HasFull && input.Pressure.Full.Avg10 >= full) return true;
        }
        if (c.ExhaustionIn is { } within && _slope.SecondsTo(input.AvailableBytes, input.TermAvailableBytes) is { } s
            && s <= within.TotalSeconds) return true;
        return false;
    }

    /// <summary>Which conditions of <paramref name="level"/> hold at the latest reading, with the figures
    /// ("available 1.2 GiB <= 12% (2.9 GiB); psi some avg10 31.0 >= 20.0"); allocates (called on a change).</summary>
    public string Describe(WarningLevel level)
    {
        var c = _settings.For((int)level);
        var parts = new List<string>(4);
        var i = _input;
        if (c.Available is { } t && i.AvailableBytes <= t.ToBytes(i.TotalBytes))
            parts.Add($"available {SizeFormat.FormatBytes(i.AvailableBytes)} <= {t} ({SizeFormat.FormatBytes(t.ToBytes(i.TotalBytes))})");
        if (i.HasPressure && c.PsiSomeAvg10 is { } some && i.Pressure.Some.Avg10 >= some)
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"psi some avg10 {i.Pressure.Some.Avg10:0.00} >= {some:0.##}"));
        if (i.HasPressure && c.PsiFullAvg10 is { } full && i.Pressure.HasFull && i.Pressure.Full.Avg10 >= full)
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"psi full avg10 {i.Pressure.Full.Avg10:0.00} >= {full:0.##}"));
        if (c.ExhaustionIn is { } within && ExhaustionSeconds is { } s && s <= within.TotalSeconds)
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"term level in {s:0.0} s at {SizeFormat.FormatBytes((long)-SlopeBytesPerSecond)}/s <= {within.TotalSeconds:0.###} s"));
        if (parts.Count == 0)
            return level == WarningLevel.None ? "no level's conditions hold" : $"held for {_settings.Hold.TotalSeconds:0.###} s after its conditions ended";
        return string.Join("; ", parts);
    }

    public static string Name(WarningLevel level) => level switch
    {
        WarningLevel.Low => "low",
        WarningLevel.Medium => "medium",
        WarningLevel.Critical => "critical",
        _ => "none",
    };
}
