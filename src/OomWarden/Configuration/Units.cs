using System.Globalization;
using OomWarden.Core.Settings;

namespace OomWarden.Configuration;

/// <summary>Sizes ("512MiB", "2GiB", "4096"), percentages ("10%") and durations ("250us", "10ms", "2s", "1m").</summary>
public static class Units
{
    private static readonly (string Suffix, long Factor)[] SizeUnits =
    [
        ("TiB", 1L << 40), ("GiB", 1L << 30), ("MiB", 1L << 20), ("KiB", 1L << 10),
        ("T", 1L << 40), ("G", 1L << 30), ("M", 1L << 20), ("K", 1L << 10), ("B", 1),
    ];

    private static readonly (string Suffix, double Microseconds)[] DurationUnits =
    [
        ("us", 1), ("µs", 1), ("ms", 1_000), ("s", 1_000_000), ("m", 60_000_000), ("h", 3_600_000_000),
    ];

    /// <summary>Bytes with an IEC unit (B, KiB, MiB, GiB, TiB; K/M/G/T mean the same) or a plain number of bytes.</summary>
    public static bool TryParseSize(string text, out long bytes, out string error)
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
        long factor = 1;
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
        if (!TryParseSize(s, out long bytes, out error))
        {
            if (!error.Contains("negative", StringComparison.Ordinal) && !error.Contains("ambiguous", StringComparison.Ordinal))
                error = $"\"{text}\" is neither a size (\"512MiB\") nor a percentage (\"10%\")";
            return false;
        }
        threshold = Threshold.FromBytes(bytes);
        return true;
    }

    /// <summary>A number with a unit: us (or µs), ms, s, m, h. "1.5s" is allowed; a bare number is not.</summary>
    public static bool TryParseDuration(string text, out TimeSpan duration, out string error)
    {
        duration = default;
        string s = text.Trim();
        foreach (var (suffix, us) in DurationUnits)
        {
            // "ms" must be tried before "s" and "m": the table is ordered so that longer suffixes come first where needed.
            if (!s.EndsWith(suffix, StringComparison.Ordinal)) continue;
            if (suffix == "s" && (s.EndsWith("us", StringComparison.Ordinal) || s.EndsWith("ms", StringComparison.Ordinal) || s.EndsWith("µs", StringComparison.Ordinal)))
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

    /// <summary>The largest exact unit: 2 s → "2s", 1.5 s → "1500ms", 250 µs → "250us".</summary>
    public static string FormatDuration(TimeSpan duration)
    {
        long us = duration.Ticks / 10;
        if (us == 0) return duration.Ticks == 0 ? "0s" : duration.Ticks * 100 + "ns";
        if (us % 3_600_000_000 == 0) return us / 3_600_000_000 + "h";
        if (us % 60_000_000 == 0) return us / 60_000_000 + "m";
        if (us % 1_000_000 == 0) return us / 1_000_000 + "s";
        if (us % 1_000 == 0) return us / 1_000 + "ms";
        return us + "us";
    }

    public static string FormatThreshold(Threshold t) =>
        t.IsPercent ? t.Percent.ToString("0.###", CultureInfo.InvariantCulture) + "%" : FormatBytes(t.Bytes);
}
