using System.Globalization;

namespace OomWarden.Core.Decisions;

/// <summary>Sizes for people: 1536 → "1.5KiB", 3221225472 → "3.0GiB".</summary>
public static class HumanBytes
{
    public static string Format(long bytes)
    {
        if (bytes < 0) return "-" + Format(-bytes);
        if (bytes < 1024) return bytes.ToString(CultureInfo.InvariantCulture) + "B";
        string[] units = ["KiB", "MiB", "GiB", "TiB", "PiB"];
        double value = bytes;
        int unit = -1;
        while (value >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }
        return value.ToString("0.0", CultureInfo.InvariantCulture) + units[unit];
    }
}
