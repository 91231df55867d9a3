namespace OomWarden.Linux.Parsing;

/// <summary>/proc/PID/oom_score_adj (−1000..1000), /proc/PID/oom_score (0..2000) and other one-integer files.</summary>
public static class OomScoreParser
{
    public static bool TryParse(ReadOnlySpan<byte> text, out int value) =>
        SpanText.TryParseInt32(SpanText.Trim(text), out value);

    /// <summary>oom_score_adj: an integer within −1000..1000 (what the kernel accepts), else false.</summary>
    public static bool TryParseAdj(ReadOnlySpan<byte> text, out int value) =>
        TryParse(text, out value) && value is >= -1000 and <= 1000;
}
