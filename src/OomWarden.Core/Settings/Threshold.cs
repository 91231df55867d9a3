namespace OomWarden.Core.Settings;

/// <summary>A memory level written as bytes ("2GiB") or as a percentage of a total ("10%").</summary>
public readonly record struct Threshold(long Bytes, double Percent, bool IsPercent)
{
    public static Threshold FromBytes(long bytes) => new(bytes, 0, false);

    public static Threshold FromPercent(double percent) => new(0, percent, true);

    public static Threshold None => FromBytes(0);

    /// <summary>The level in bytes against <paramref name="totalBytes"/>.</summary>
    public long ToBytes(long totalBytes) => IsPercent ? (long)(totalBytes * (Percent / 100.0)) : Bytes;

    public override string ToString() => IsPercent ? $"{Percent:0.##}%" : $"{Bytes}B";
}
