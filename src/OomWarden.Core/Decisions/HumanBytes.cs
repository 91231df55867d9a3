using System.Globalization;

namespace OomWarden.Core.Decisions;

/// <summary>Sizes for people: 1536 → "1.5KiB", 3221225472 → "3.0GiB". Total over every long, long.MinValue included
/// (its magnitude does not fit a long, so it is taken as an unsigned number: no recursion, no overflow).</summary>
public static class HumanBytes
{
    private static readonly string[] Units = ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];

    public static string Format(long bytes)
    {
        string sign = bytes < 0 ? "-" : "";
        ulong magnitude = bytes < 0 ? unchecked((ulong)-(bytes + 1)) + 1 : (ulong)bytes;
        if (magnitude < 1024) return sign + magnitude.ToString(CultureInfo.InvariantCulture) + "B";
        double value = magnitude;
        int unit = -1;
        while (value >= 1024 && unit < Units.Length - 1)
        {
            value /= 1024;
            unit++;
        }
        return sign + value.ToString("0.0", CultureInfo.InvariantCulture) + Units[unit];
    }
}
