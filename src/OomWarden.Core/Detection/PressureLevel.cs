namespace OomWarden.Core.Detection;

public enum PressureLevel
{
    /// <summary>Plenty of headroom.</summary>
    None,

    /// <summary>Close enough to the term level that the daemon prepares its decision ahead of time.</summary>
    Prepare,

    /// <summary>At or below the term level: SIGTERM the victim.</summary>
    Term,

    /// <summary>At or below the kill level: SIGKILL at once.</summary>
    Kill,
}

/// <summary>A domain's level and how many bytes separate it from the term level (≤ 0 once there).</summary>
public readonly record struct LevelReading(PressureLevel Level, long DistanceToTermBytes);
