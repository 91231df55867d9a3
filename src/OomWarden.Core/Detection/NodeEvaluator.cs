using OomWarden.Core.Model;
using OomWarden.Core.Settings;

namespace OomWarden.Core.Detection;

/// <summary>A NUMA node against the system levels, for shortages confined to some nodes (cpusets, mempolicy)
/// that MemAvailable, summed over the machine, does not show.</summary>
/// <remarks>Percent levels apply to the node's own total; byte levels are scaled by the node's share of
/// MemTotal. Swap is machine-wide and combines as for the system domain.</remarks>
public static class NodeEvaluator
{
    /// <param name="nodeThresholds">From <see cref="ThresholdsFor"/>, computed once per node (no allocation per tick).</param>
    public static LevelReading Evaluate(in NodeMemory node, in MemoryInfo system, SystemThresholds nodeThresholds, long prepareMarginBytes)
        => SystemEvaluator.Evaluate(AsMemoryInfo(node, system), nodeThresholds, prepareMarginBytes);

    /// <summary>The system levels as they apply to one node.</summary>
    public static SystemThresholds ThresholdsFor(SystemThresholds t, long nodeTotalBytes, long memTotalBytes)
        => Scaled(t, nodeTotalBytes, memTotalBytes);

    public static string Describe(in NodeMemory node, in MemoryInfo system, SystemThresholds t, PressureLevel level)
        => $"node {node.Node}: " + SystemEvaluator.Describe(AsMemoryInfo(node, system), Scaled(t, node.TotalBytes, system.MemTotalBytes), level)
            .Replace("MemAvailable", "free+inactive_file", StringComparison.Ordinal);

    private static MemoryInfo AsMemoryInfo(in NodeMemory node, in MemoryInfo system) => new(
        node.TotalBytes, node.FreeBytes, node.AvailableBytes, 0, system.SwapTotalBytes, system.SwapFreeBytes, 0, 0, 0);

    private static SystemThresholds Scaled(SystemThresholds t, long nodeTotal, long memTotal)
    {
        if (t.MemAvailableTerm.IsPercent && t.MemAvailableKill.IsPercent) return t;
        double share = memTotal > 0 ? (double)nodeTotal / memTotal : 1;
        return t with
        {
            MemAvailableTerm = Scale(t.MemAvailableTerm, share),
            MemAvailableKill = Scale(t.MemAvailableKill, share),
        };
    }

    private static Threshold Scale(Threshold th, double share) => th.IsPercent ? th : Threshold.FromBytes((long)(th.Bytes * share));
}
