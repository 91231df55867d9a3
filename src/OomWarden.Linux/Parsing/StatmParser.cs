namespace OomWarden.Linux.Parsing;

/// <summary>/proc/PID/statm → <see cref="Statm"/> (pages; multiply by the page size).</summary>
public static class StatmParser
{
    public static bool TryParse(ReadOnlySpan<byte> text, out Statm statm)
    {
        statm = default;
        Span<long> values = stackalloc long[7];
        for (int i = 0; i < values.Length; i++)
        {
            var field = SpanText.NextField(ref text);
            if (!SpanText.TryParseInt64(SpanText.Trim(field), out values[i])) return false;
        }
        statm = new Statm(values[0], values[1], values[2], values[3], values[5]);
        return true;
    }
}
