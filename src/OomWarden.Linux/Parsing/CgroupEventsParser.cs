using OomWarden.Core.Model;

namespace OomWarden.Linux.Parsing;

/// <summary>v2 memory.events ("low N", "high N", "max N", "oom N", "oom_kill N", "oom_group_kill N") →
/// <see cref="CgroupEvents"/>. Keys a kernel lacks stay 0; unknown keys are ignored.</summary>
public static class CgroupEventsParser
{
    public static bool TryParse(ReadOnlySpan<byte> text, out CgroupEvents events)
    {
        long low = 0, high = 0, max = 0, oom = 0, oomKill = 0, oomGroupKill = 0;
        bool any = false;
        while (!text.IsEmpty)
        {
            var line = SpanText.NextLine(ref text);
            var key = SpanText.NextField(ref line);
            if (key.IsEmpty) continue;
            if (!SpanText.TryParseInt64(SpanText.NextField(ref line), out long value))
            {
                events = default;
                return false;
            }
            any = true;
            if (key.SequenceEqual("low"u8)) low = value;
            else if (key.SequenceEqual("high"u8)) high = value;
            else if (key.SequenceEqual("max"u8)) max = value;
            else if (key.SequenceEqual("oom"u8)) oom = value;
            else if (key.SequenceEqual("oom_kill"u8)) oomKill = value;
            else if (key.SequenceEqual("oom_group_kill"u8)) oomGroupKill = value;
        }
        events = new CgroupEvents(low, high, max, oom, oomKill, oomGroupKill);
        return any;
    }
}
