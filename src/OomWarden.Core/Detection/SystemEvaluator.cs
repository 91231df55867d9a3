using OomWarden.Core.Model;
using OomWarden.Core.Settings;

namespace OomWarden.Core.Detection;

/// <summary>System domain: MemAvailable and SwapFree against the configured levels.</summary>
/// <remarks>
/// With <see cref="Combine.And"/> a machine without swap counts its swap as exhausted, so memory alone decides;
/// with <see cref="Combine.Or"/> it counts as absent, so memory alone decides too.
/// </remarks>
public static class SystemEvaluator
{
    public static LevelReading Evaluate(in MemoryInfo mem, SystemThresholds t, long prepareMarginBytes)
    {
        long memTerm = t.MemAvailableTerm.ToBytes(mem.MemTotalBytes);
        long memKill = t.MemAvailableKill.ToBytes(mem.MemTotalBytes);
        long memDistance = mem.MemAvailableBytes - memTerm;
        bool memAtTerm = mem.MemAvailableBytes <= memTerm;
        bool memAtKill = mem.MemAvailableBytes <= memKill;

        bool noSwap = mem.SwapTotalBytes <= 0;
        long swapTerm = t.SwapFreeTerm.ToBytes(mem.SwapTotalBytes);
        long swapKill = t.SwapFreeKill.ToBytes(mem.SwapTotalBytes);
        long swapDistance = noSwap ? 0 : mem.SwapFreeBytes - swapTerm;
        bool swapAtTerm = !noSwap && mem.SwapFreeBytes <= swapTerm;
        bool swapAtKill = !noSwap && mem.SwapFreeBytes <= swapKill;

        bool term, kill;
        long distance;
        if (noSwap)
        {
            term = memAtTerm;
            kill = memAtKill;
            distance = memDistance;
        }
        else if (t.Combine == Combine.And)
        {
            term = memAtTerm && swapAtTerm;
            kill = memAtKill && swapAtKill;
            distance = Math.Max(memDistance, swapDistance);
        }
        else
        {
            term = memAtTerm || swapAtTerm;
            kill = memAtKill || swapAtKill;
            distance = Math.Min(memDistance, swapDistance);
        }

        var level = kill ? PressureLevel.Kill
            : term ? PressureLevel.Term
            : distance <= prepareMarginBytes ? PressureLevel.Prepare
            : PressureLevel.None;
        return new LevelReading(level, distance);
    }

    /// <summary>The human reason for a kill at this reading, with the numbers.</summary>
    public static string Describe(in MemoryInfo mem, SystemThresholds t, PressureLevel level)
    {
        bool kill = level == PressureLevel.Kill;
        var memLevel = kill ? t.MemAvailableKill : t.MemAvailableTerm;
        var swapLevel = kill ? t.SwapFreeKill : t.SwapFreeTerm;
        string memPart = $"MemAvailable {SizeFormat.FormatBytes(mem.MemAvailableBytes)} ({SizeFormat.Percent(mem.MemAvailableBytes, mem.MemTotalBytes)}) <= {(kill ? "kill" : "term")} level {SizeFormat.FormatBytes(memLevel.ToBytes(mem.MemTotalBytes))} ({memLevel})";
        if (mem.SwapTotalBytes <= 0) return memPart + ", no swap";
        string swapPart = $"SwapFree {SizeFormat.FormatBytes(mem.SwapFreeBytes)} ({SizeFormat.Percent(mem.SwapFreeBytes, mem.SwapTotalBytes)}) vs level {SizeFormat.FormatBytes(swapLevel.ToBytes(mem.SwapTotalBytes))} ({swapLevel})";
        return $"{memPart} {(t.Combine == Combine.And ? "and" : "or")} {swapPart}";
    }
}
