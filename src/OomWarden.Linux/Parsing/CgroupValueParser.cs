using OomWarden.Core.Model;

namespace OomWarden.Linux.Parsing;

/// <summary>A one-value cgroup file (memory.current, memory.max, memory.limit_in_bytes...) → bytes.</summary>
/// <remarks>
/// "max" (v2) and v1's "no limit" are <see cref="CgroupMemory.Unlimited"/>. v1 shows no limit as
/// PAGE_COUNTER_MAX × PAGE_SIZE: 9223372036854771712 with 4 KiB pages, LONG_MAX rounded down to the page
/// size on others (64 KiB pages: 9223372036854710272), and some old kernels print 18446744073709551615.
/// Anything at or above <see cref="UnlimitedThreshold"/> (LONG_MAX rounded down to 1 MiB) is therefore unlimited.
/// </remarks>
public static class CgroupValueParser
{
    public const long UnlimitedThreshold = long.MaxValue & ~((1L << 20) - 1);

    public static bool TryParse(ReadOnlySpan<byte> text, out long bytes)
    {
        text = SpanText.Trim(text);
        if (text.SequenceEqual("max"u8))
        {
            bytes = CgroupMemory.Unlimited;
            return true;
        }
        if (!SpanText.TryParseUInt64(text, out ulong value))
        {
            bytes = 0;
            return false;
        }
        bytes = Normalize(value);
        return true;
    }

    /// <summary>Maps near-LONG_MAX and larger values to <see cref="CgroupMemory.Unlimited"/>.</summary>
    public static long Normalize(ulong value) =>
        value >= UnlimitedThreshold ? CgroupMemory.Unlimited : (long)value;
}
