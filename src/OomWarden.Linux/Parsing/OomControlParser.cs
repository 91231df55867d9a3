namespace OomWarden.Linux.Parsing;

/// <summary>v1 memory.oom_control ("oom_kill_disable 0", "under_oom 0", "oom_kill 0") → <see cref="OomControl"/>.</summary>
public static class OomControlParser
{
    public static bool TryParse(ReadOnlySpan<byte> text, out OomControl control)
    {
        bool disable = false, under = false, seenDisable = false;
        long kills = 0;
        while (!text.IsEmpty)
        {
            var line = SpanText.NextLine(ref text);
            var key = SpanText.NextField(ref line);
            if (key.IsEmpty) continue;
            if (!SpanText.TryParseInt64(SpanText.NextField(ref line), out long value))
            {
                control = default;
                return false;
            }
            if (key.SequenceEqual("oom_kill_disable"u8)) { disable = value != 0; seenDisable = true; }
            else if (key.SequenceEqual("under_oom"u8)) under = value != 0;
            else if (key.SequenceEqual("oom_kill"u8)) kills = value;
        }
        control = new OomControl(disable, under, kills);
        return seenDisable;
    }
}
