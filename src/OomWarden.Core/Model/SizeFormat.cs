using System.Globalization;

namespace OomWarden.Core.Model;

/// <summary>Formatting of sizes and ratios for human output (IEC units, invariant culture).</summary>
public static class SizeFormat
{
    public static string FormatBytes(long bytes)
    {
        if (bytes == CgroupMemory.Unlimited) return "max";
        double v = Math.Abs((double)bytes);
        string sign = bytes < 0 ? "-" : "";
        return v switch
        {
            >= 1L << 40 => sign + (v / (1L << 40)).ToString("0.0", CultureInfo.InvariantCulture) + " TiB",
            >= 1L << 30 => sign + (v / (1L << 30)).ToString("0.0", CultureInfo.InvariantCulture) + " GiB",
            >= 1L << 20 => sign + (v / (1L << 20)).ToString("0.0", CultureInfo.InvariantCulture) + " MiB",
            >= 1L << 10 => sign + (v / (1L << 10)).ToString("0.0", CultureInfo.InvariantCulture) + " KiB",
            _ => sign + v.ToString("0", CultureInfo.InvariantCulture) + " B",
        };
    }

    public static string Percent(long part, long total)
        => total <= 0 ? "n/a" : (100.0 * part / total).ToString("0.0", CultureInfo.InvariantCulture) + "%";
}
