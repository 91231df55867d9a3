using OomWarden.Core.Engine;
using OomWarden.Core.Settings;
using OomWarden.Configuration;

namespace OomWarden.Control;

/// <summary>A domain's levels and totals in bytes at its latest figures, for status and the metrics (display only:
/// the domain classes themselves decide).</summary>
public readonly record struct DomainFacts(string Kind, long? TotalBytes, long? TermBytes, long? KillBytes, string TermLevel, string KillLevel, long? SwapFreeBytes)
{
    public static DomainFacts Of(WatchedDomain d, DaemonSettings s) => d switch
    {
        SystemDomain sys => new("system", sys.Memory.MemTotalBytes,
            s.System.MemAvailableTerm.ToBytes(sys.Memory.MemTotalBytes), s.System.MemAvailableKill.ToBytes(sys.Memory.MemTotalBytes),
            "MemAvailable <= " + Units.FormatThreshold(s.System.MemAvailableTerm) + SwapLevel(s.System, term: true, sys.Memory.SwapTotalBytes),
            "MemAvailable <= " + Units.FormatThreshold(s.System.MemAvailableKill) + SwapLevel(s.System, term: false, sys.Memory.SwapTotalBytes),
            sys.Memory.SwapTotalBytes > 0 ? sys.Memory.SwapFreeBytes : null),
        CgroupDomain cg => new("cgroup", cg.LimitBytes,
            s.Cgroups.HeadroomTerm.ToBytes(cg.LimitBytes), s.Cgroups.HeadroomKill.ToBytes(cg.LimitBytes),
            "headroom <= " + Units.FormatThreshold(s.Cgroups.HeadroomTerm) + " of the limit",
            "headroom <= " + Units.FormatThreshold(s.Cgroups.HeadroomKill) + " of the limit", null),
        _ => new("nodes", null, null, null,
            "free + inactive file <= " + Units.FormatThreshold(s.System.MemAvailableTerm) + " of the nodes' memory",
            "free + inactive file <= " + Units.FormatThreshold(s.System.MemAvailableKill) + " of the nodes' memory", null),
    };

    private static string SwapLevel(SystemThresholds t, bool term, long swapTotal) => swapTotal <= 0 ? ""
        : $" {(t.Combine == Combine.And ? "and" : "or")} SwapFree <= {Units.FormatThreshold(term ? t.SwapFreeTerm : t.SwapFreeKill)}";
}
