namespace OomWarden.Linux.Parsing;

/// <summary>A kernel CPU/node list ("0", "0-1", "0,2-3") → a bit mask (bit N = node N).</summary>
public static class NodeListParser
{
    /// <summary>False (mask 0) when malformed or when a node above 63 appears: the caller treats 0 as "all nodes".</summary>
    public static bool TryParse(ReadOnlySpan<byte> list, out ulong mask)
    {
        mask = 0;
        list = SpanText.Trim(list);
        if (list.IsEmpty) return false;
        while (!list.IsEmpty)
        {
            int comma = list.IndexOf((byte)',');
            var item = comma < 0 ? list : list[..comma];
            list = comma < 0 ? default : list[(comma + 1)..];
            int dash = item.IndexOf((byte)'-');
            if (!SpanText.TryParseInt32(dash < 0 ? item : item[..dash], out int from)) { mask = 0; return false; }
            int to = from;
            if (dash >= 0 && !SpanText.TryParseInt32(item[(dash + 1)..], out to)) { mask = 0; return false; }
            if (from < 0 || to < from || to > 63) { mask = 0; return false; }
            for (int n = from; n <= to; n++) mask |= 1UL << n;
        }
        return true;
    }
}
