namespace OomWarden.Linux.Parsing;

/// <summary>/proc/PID/smaps, one mapping at a time: the header line
/// (<c>start-end perms offset dev inode [path]</c>) and the <c>Rss:</c>, <c>Referenced:</c>, <c>Anonymous:</c> and <c>Locked:</c>
/// lines that follow it. Other lines are skipped; a header that does not parse ends the walk.</summary>
public static class SmapsParser
{
    /// <summary>Cuts the next mapping off <paramref name="text"/>; false at the end or on a malformed header.</summary>
    public static bool TryParseNext(scoped ref ReadOnlySpan<byte> text, out SmapsMapping mapping)
    {
        mapping = default;
        if (text.IsEmpty) return false;
        var header = SpanText.NextLine(ref text);
        if (!TryParseHeader(header, out mapping)) return false;
        long rss = 0, anonymous = 0, locked = 0, referenced = 0;
        while (!text.IsEmpty && !IsHeader(text))
        {
            var line = SpanText.NextLine(ref text);
            if (line.StartsWith("Rss:"u8)) TryKib(line["Rss:"u8.Length..], out rss);
            else if (line.StartsWith("Anonymous:"u8)) TryKib(line["Anonymous:"u8.Length..], out anonymous);
            else if (line.StartsWith("Locked:"u8)) TryKib(line["Locked:"u8.Length..], out locked);
            else if (line.StartsWith("Referenced:"u8)) TryKib(line["Referenced:"u8.Length..], out referenced);
        }
        mapping = mapping with { RssKib = rss, AnonymousKib = anonymous, LockedKib = locked, ReferencedKib = referenced };
        return true;
    }

    /// <summary>"7f0c1a000000-7f0c1a021000 r-xp 00000000 fe:00 1234 /usr/lib/libc.so.6".</summary>
    public static bool TryParseHeader(ReadOnlySpan<byte> line, out SmapsMapping mapping)
    {
        mapping = default;
        var range = SpanText.NextField(ref line);
        int dash = range.IndexOf((byte)'-');
        if (dash <= 0
            || !TryParseHex(range[..dash], out ulong start)
            || !TryParseHex(range[(dash + 1)..], out ulong end)
            || end < start) return false;
        var perms = SpanText.NextField(ref line);
        if (perms.Length != 4) return false;
        SpanText.NextField(ref line); // offset
        SpanText.NextField(ref line); // device
        if (!SpanText.TryParseUInt64(SpanText.NextField(ref line), out ulong inode)) return false;
        var path = SpanText.Trim(line);
        mapping = new SmapsMapping(start, end,
            Writable: perms[1] == (byte)'w',
            Executable: perms[2] == (byte)'x',
            Shared: perms[3] == (byte)'s',
            FileBacked: inode != 0 && path.Length > 0 && path[0] == (byte)'/',
            RssKib: 0, AnonymousKib: 0, LockedKib: 0) { Inode = inode };
        return true;
    }

    // A header starts with lower-case hex digits and a '-'; key lines ("Rss:", "VmFlags:") start with a capital.
    private static bool IsHeader(ReadOnlySpan<byte> text)
    {
        int i = 0;
        while (i < text.Length && IsHexDigit(text[i])) i++;
        return i > 0 && i < text.Length && text[i] == (byte)'-';
    }

    private static bool TryKib(ReadOnlySpan<byte> rest, out long kib)
    {
        var value = SpanText.NextField(ref rest);
        return SpanText.TryParseInt64(value, out kib);
    }

    private static bool TryParseHex(ReadOnlySpan<byte> text, out ulong value)
    {
        value = 0;
        if (text.IsEmpty || text.Length > 16) return false;
        foreach (byte b in text)
        {
            int digit = b switch
            {
                >= (byte)'0' and <= (byte)'9' => b - '0',
                >= (byte)'a' and <= (byte)'f' => b - 'a' + 10,
                >= (byte)'A' and <= (byte)'F' => b - 'A' + 10,
                _ => -1,
            };
            if (digit < 0) return false;
            value = (value << 4) | (uint)digit;
        }
        return true;
    }

    private static bool IsHexDigit(byte b) => b is >= (byte)'0' and <= (byte)'9' or >= (byte)'a' and <= (byte)'f';
}
