namespace OomWarden.Core.Engine;

/// <summary>The graded warnings user space hears before any kill (config <c>[levels]</c>): they sit above the
/// term/kill levels of <see cref="Detection.PressureLevel"/>, which stay the last resort.</summary>
public enum WarningLevel
{
    None,
    Low,
    Medium,
    Critical,
}
