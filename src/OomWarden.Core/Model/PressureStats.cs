namespace OomWarden.Core.Model;

/// <summary>One line of a PSI file: <c>some avg10=0.00 avg60=0.00 avg300=0.00 total=0</c>.</summary>
/// <remarks>Averages are percentages (0..100); the total is stall time in microseconds.</remarks>
public readonly record struct PressureLine(double Avg10, double Avg60, double Avg300, long TotalMicroseconds);

/// <summary>A PSI file (/proc/pressure/memory or a cgroup's memory.pressure).</summary>
public readonly record struct PressureStats(PressureLine Some, PressureLine Full, bool HasFull);
