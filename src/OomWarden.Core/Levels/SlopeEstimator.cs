namespace OomWarden.Core.Levels;

/// <summary>The smoothed rate of change of a domain's available bytes: an exponentially weighted average of the
/// rate between successive readings, weighted by time (alpha = 1 − e^(−dt/τ)), so irregular ticks (1 ms near a
/// level, 10 s when idle) weigh what they cover and one noisy millisecond moves it by a millisecond's worth.</summary>
public struct SlopeEstimator
{
    /// <summary>τ: a step change of the rate shows 63 % after this long, 95 % after three times this.</summary>
    public static readonly TimeSpan TimeConstant = TimeSpan.FromSeconds(2);

    private long _lastAt;
    private long _lastBytes;
    private bool _started;

    /// <summary>Bytes per second; negative while the domain fills up.</summary>
    public double BytesPerSecond { get; private set; }

    public void Add(long timestamp, long availableBytes, long frequency)
    {
        if (!_started)
        {
            _started = true;
            _lastAt = timestamp;
            _lastBytes = availableBytes;
            return;
        }
        long dt = timestamp - _lastAt;
        if (dt <= 0) return;
        double seconds = dt / (double)frequency;
        double rate = (availableBytes - (double)_lastBytes) / seconds;
        double alpha = DecayWeight.OneMinusExpNegative(seconds / TimeConstant.TotalSeconds);   // not Math.Exp: libm
        BytesPerSecond += alpha * (rate - BytesPerSecond);
        _lastAt = timestamp;
        _lastBytes = availableBytes;
    }

    /// <summary>Time until <paramref name="availableBytes"/> falls to <paramref name="termAvailableBytes"/> at the
    /// current slope; null when not falling. Zero when already there.</summary>
    public readonly double? SecondsTo(long availableBytes, long termAvailableBytes)
    {
        if (availableBytes <= termAvailableBytes) return 0;
        if (BytesPerSecond >= 0) return null;
        return (availableBytes - (double)termAvailableBytes) / -BytesPerSecond;
    }
}
