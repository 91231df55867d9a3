using System.Globalization;
using OomWarden.Core.Settings;

namespace OomWarden.Configuration;

/// <summary>Sizes ("512MiB", "2GiB", "4096B"), percentages ("10%") and durations ("250us", "10ms", "2s", "1m").</summary>
public static class Units
{
    private static readonly (string Suffix, long Factor)[] SizeUnits =
    [
        ("TiB", 1L << 40), ("GiB", 1L << 30), ("MiB", 1L << 20), ("KiB", 1L << 10),
        ("T", 1L << 40), ("G", 1L << 30), ("M", 1L << 20), ("K", 1L << 10), ("B", 1),
    ];

    private static readonly (string Suffix, double Microseconds)[] DurationUnits =
    [
        ("ns", 0.001), ("us", 1), ("µs", 1), ("ms", 1_000), ("s", 1_000_000), ("m", 60_000_000), ("h", 3_600_000_000),
    ];

    /// <summary>Bytes with an IEC unit (B, KiB, MiB, GiB, TiB; K/M/G/T mean the same). A number without a unit is
    /// rejected with a hint ("10" might mean 10 MiB as easily as 10 bytes); only "0" needs none.</summary>
    public static bool TryParseSize(string text, out long bytes, out string error) => TryParseSize(text, percentAllowed: false, out bytes, out error);

    private static bool TryParseSize(string text, bool percentAllowed, out long bytes, out string error)
    {
        bytes = 0;
        string s = text.Trim();
        if (s.Length == 0)
        {
            error = "empty size";
            return false;
        }
        foreach (var bad in (ReadOnlySpan<string>)["kB", "KB", "MB", "GB", "TB"])
        {
            if (s.EndsWith(bad, StringComparison.Ordinal))
            {
                error = $"\"{text}\": decimal units are ambiguous, write {bad[0].ToString().ToUpperInvariant()}iB (IEC, powers of 1024)";
                return false;
            }
        }
        long factor = 0;
        string number = s;
        foreach (var (suffix, f) in SizeUnits)
        {
            if (s.EndsWith(suffix, StringComparison.Ordinal))
            {
                factor = f;
                number = s[..^suffix.Length].TrimEnd();
                break;
            }
        }
        if (!double.TryParse(number, NumberStyles.AllowDecimalPoint | NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out double value)
            || double.IsNaN(value) || double.IsInfinity(value))
        {
            error = $"\"{text}\" is not a size (write bytes with an IEC unit, e.g. \"512MiB\", \"2GiB\")";
            return false;
        }
        if (value < 0)
        {
            error = $"\"{text}\": a size cannot be negative";
            return false;
        }
        if (factor == 0)
        {
            if (value != 0)
            {
                error = $"\"{text}\" has no unit: {NoUnitHint(number, percentAllowed)}";
                return false;
            }
            factor = 1;
        }
        double result = value * factor;
        if (result > long.MaxValue / 2)
        {
            error = $"\"{text}\" is too large";
            return false;
        }
        bytes = (long)result;
        error = "";
        return true;
    }

    /// <summary>"10%" (0..100) or a size.</summary>
    public static bool TryParseThreshold(string text, out Threshold threshold, out string error)
    {
        threshold = default;
        string s = text.Trim();
        if (s.EndsWith('%'))
        {
            if (!double.TryParse(s[..^1].TrimEnd(), NumberStyles.AllowDecimalPoint | NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out double percent)
                || double.IsNaN(percent))
            {
                error = $"\"{text}\" is not a percentage";
                return false;
            }
            if (percent is < 0 or > 100)
            {
                error = $"\"{text}\": a percentage must be within 0..100";
                return false;
            }
            threshold = Threshold.FromPercent(percent);
            error = "";
            return true;
        }
        if (!TryParseSize(s, percentAllowed: true, out long bytes, out error))
        {
            if (!error.Contains("negative", StringComparison.Ordinal) && !error.Contains("ambiguous", StringComparison.Ordinal)
                && !error.Contains("no unit", StringComparison.Ordinal))
                error = $"\"{text}\" is neither a size (\"512MiB\") nor a percentage (\"10%\")";
            return false;
        }
        threshold = Threshold.FromBytes(bytes);
        return true;
    }

    /// <summary>"did you mean \"10%\" or \"10MiB\"?" for a number written without a unit.</summary>
    public static string NoUnitHint(string number, bool percentAllowed)
    {
        bool percent = percentAllowed && double.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double v) && v <= 100;
        return percent
            ? $"did you mean \"{number}%\" or \"{number}MiB\"?"
            : $"did you mean \"{number}MiB\" or \"{number}B\"?";
    }

    /// <summary>A number with a unit: ns, us (or µs), ms, s, m, h. "1.5s" is allowed; a bare number is not.</summary>
    public static bool TryParseDuration(string text, out TimeSpan duration, out string error)
    {
        duration = default;
        string s = text.Trim();
        foreach (var (suffix, us) in DurationUnits)
        {
            // "ms" must be tried before "s" and "m": the table is ordered so that longer suffixes come first where needed.
            if (!s.EndsWith(suffix, StringComparison.Ordinal)) continue;
            if (suffix == "s" && (s.EndsWith("ns", StringComparison.Ordinal) || s.EndsWith("us", StringComparison.Ordinal) || s.EndsWith("ms", StringComparison.Ordinal) || s.EndsWith("µs", StringComparison.Ordinal)))
                continue;
            string number = s[..^suffix.Length].TrimEnd();
            if (!double.TryParse(number, NumberStyles.AllowDecimalPoint | NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out double value)
                || double.IsNaN(value) || double.IsInfinity(value))
            {
                break;
            }
            if (value < 0)
            {
                error = $"\"{text}\": a duration cannot be negative";
                return false;
            }
            double ticks = value * us * 10;
            if (ticks > TimeSpan.MaxValue.Ticks / 2)
            {
                error = $"\"{text}\" is too long";
                return false;
            }
            duration = TimeSpan.FromTicks((long)ticks);
            error = "";
            return true;
        }
        error = $"\"{text}\" is not a duration (write a number with a unit: \"250us\", \"10ms\", \"2s\", \"1m\", \"1h\")";
        return false;
    }

    /// <summary>The shortest exact IEC form: 536870912 → "512MiB", 1000 → "1000B".</summary>
    public static string FormatBytes(long bytes)
    {
        foreach (var (suffix, factor) in SizeUnits)
        {
            if (suffix.Length == 3 && bytes != 0 && bytes % factor == 0)
                return (bytes / factor).ToString(CultureInfo.InvariantCulture) + suffix;
        }
        return bytes.ToString(CultureInfo.InvariantCulture) + "B";
    }

    /// <summary>The largest exact unit: 2 s → "2s", 1.5 s → "1500ms", 250 µs → "250us", 2.5 µs → "2500ns".</summary>
    public static string FormatDuration(TimeSpan duration)
    {
        if (duration.Ticks == 0) return "0s";
        if (duration.Ticks % 10 != 0) return (duration.Ticks * 100).ToString(CultureInfo.InvariantCulture) + "ns";
        long us = duration.Ticks / 10;
        if (us % 3_600_000_000 == 0) return us / 3_600_000_000 + "h";
        if (us % 60_000_000 == 0) return us / 60_000_000 + "m";
        if (us % 1_000_000 == 0) return us / 1_000_000 + "s";
        if (us % 1_000 == 0) return us / 1_000 + "ms";
        return us + "us";
    }

    public static string FormatThreshold(Threshold t) =>
        t.IsPercent ? t.Percent.ToString("0.###############", CultureInfo.InvariantCulture) + "%" : FormatBytes(t.Bytes);
}
