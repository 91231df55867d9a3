using OomWarden.Core.Levels;

namespace OomWarden.Core.Engine;

/// <summary>A <c>memory.reclaim</c> step at low is done (or was refused, or is a dry run): what oomwarden measured.
/// The journal's <c>reclaim</c> record. <paramref name="Stopped"/>: the cgroup is left alone for
/// <see cref="Settings.ReclaimSettings.RetryAfter"/> (pressure, the kernel could not reclaim all, gone, failed).</summary>
public sealed record ReclaimStepped(DateTimeOffset Time, ReclaimStep Step, bool Stopped) : EngineEvent(Time);
