using OomWarden.Core.Model;

namespace OomWarden.Core.Levels;

/// <summary>One reading of a domain for its warning levels.</summary>
/// <param name="AvailableBytes">What is left in the domain's own terms.</param>
/// <param name="TotalBytes">What a percentage is of: MemTotal, the nodes' memory, the cgroup's limit.</param>
/// <param name="TermAvailableBytes">The available bytes at the domain's term level (where killing starts):
/// <c>exhaustion_in</c> is the time to reach it.</param>
/// <param name="HasPressure">False where PSI is absent (cgroup v1, a node set, a kernel without PSI): the PSI
/// conditions are then false.</param>
public readonly record struct LevelInput(long AvailableBytes, long TotalBytes, long TermAvailableBytes, PressureStats Pressure, bool HasPressure);
