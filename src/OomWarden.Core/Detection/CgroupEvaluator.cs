using OomWarden.Core.Model;
using OomWarden.Core.Settings;

namespace OomWarden.Core.Detection;

/// <summary>A cgroup with a limit: its headroom (limit − working set) against the configured levels.</summary>
/// <remarks>
/// Working set is usage minus inactive page cache (kubelet's definition), so a cgroup full of
/// reclaimable cache is not mistaken for one about to OOM.
/// </remarks>
public static class CgroupEvaluator
{
    /// <summary>Distance to the term level computed from usage alone: a lower bound of the real
    /// distance (working set ≤ usage). When it is comfortably positive, memory.stat need not be read.</summary>
    public static long UsageDistanceToTerm(long usageBytes, long limitBytes, CgroupThresholds t)
        => limitBytes - usageBytes - t.HeadroomTerm.ToBytes(limitBytes);

    public static LevelReading Evaluate(in CgroupMemory m, CgroupThresholds t, long prepareMarginBytes)
    {
        if (!m.HasLimit) return new LevelReading(PressureLevel.None, long.MaxValue);
        long headroom = m.LimitBytes - m.WorkingSetBytes;
        long term = t.HeadroomTerm.ToBytes(m.LimitBytes);
        long kill = t.HeadroomKill.ToBytes(m.LimitBytes);
        long distance = headroom - term;
        var level = headroom <= kill ? PressureLevel.Kill
            : headroom <= term ? PressureLevel.Term
            : distance <= prepareMarginBytes ? PressureLevel.Prepare
            : PressureLevel.None;
        return new LevelReading(level, distance);
    }

    public static string Describe(in CgroupMemory m, CgroupThresholds t, PressureLevel level)
    {
        bool kill = level == PressureLevel.Kill;
        var th = kill ? t.HeadroomKill : t.HeadroomTerm;
        long headroom = m.LimitBytes - m.WorkingSetBytes;
        return $"headroom {SizeFormat.FormatBytes(headroom)} <= {(kill ? "kill" : "term")} level {SizeFormat.FormatBytes(th.ToBytes(m.LimitBytes))} ({th}) of limit {SizeFormat.FormatBytes(m.LimitBytes)}; usage {SizeFormat.FormatBytes(m.UsageBytes)}, inactive_file {SizeFormat.FormatBytes(m.InactiveFileBytes)}";
    }
}
