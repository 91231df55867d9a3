namespace OomWarden.Linux.Parsing;

/// <summary>/proc/PID/stat → <see cref="ProcStat"/>.</summary>
/// <remarks>
/// The command name is whatever lies between the FIRST '(' and the LAST ')': a name may itself hold
/// parentheses, spaces, newlines and any byte ("a)))b", "x) S 1 2"), but nothing after it can hold ')'.
/// Fields (proc(5), 1-based): 3 state, 4 ppid, 9 flags, 22 starttime (clock ticks since boot), 24 rss (pages).
/// </remarks>
public static class ProcStatParser
{
    public static bool TryParse(ReadOnlySpan<byte> text, out ProcStat stat)
    {
        stat = default;
        int open = text.IndexOf((byte)'(');
        int close = text.LastIndexOf((byte)')');
        if (open <= 0 || close < open) return false;
        if (!SpanText.TryParseInt32(SpanText.Trim(text[..open]), out int pid)) return false;

        var rest = text[(close + 1)..];
        int fieldNumber = 2;
        byte state = 0;
        int ppid = 0;
        uint flags = 0;
        ulong startTime = 0;
        long rss = 0;
        while (fieldNumber < 24)
        {
            var field = SpanText.NextField(ref rest);
            if (field.IsEmpty) return false;
            fieldNumber++;
            switch (fieldNumber)
            {
                case 3:
                    if (field.Length != 1) return false;
                    state = field[0];
                    break;
                case 4:
                    if (!SpanText.TryParseInt32(field, out ppid)) return false;
                    break;
                case 9:
                    if (!SpanText.TryParseUInt64(field, out ulong f)) return false;
                    flags = (uint)f;
                    break;
                case 22:
                    if (!SpanText.TryParseUInt64(field, out startTime)) return false;
                    break;
                case 24:
                    if (!SpanText.TryParseInt64(field, out rss)) return false;
                    break;
            }
        }

        stat = new ProcStat(pid, state, ppid, flags, startTime, rss, open + 1, close - open - 1);
        return true;
    }
}
