using System.Buffers.Text;

namespace OomWarden.Linux.Parsing;

/// <summary>Small helpers over UTF-8 kernel text: lines, fields, numbers. No allocation.</summary>
internal static class SpanText
{
    /// <summary>Cuts the first line (without its '\n') off <paramref name="text"/>.</summary>
    public static ReadOnlySpan<byte> NextLine(scoped ref ReadOnlySpan<byte> text)
    {
        int nl = text.IndexOf((byte)'\n');
        ReadOnlySpan<byte> line;
        if (nl < 0)
        {
            line = text;
            text = default;
        }
        else
        {
            line = text[..nl];
            text = text[(nl + 1)..];
        }
        return line;
    }

    /// <summary>Cuts the next space- or tab-separated field off <paramref name="text"/>; empty at the end.</summary>
    public static ReadOnlySpan<byte> NextField(scoped ref ReadOnlySpan<byte> text)
    {
        text = TrimStart(text);
        int end = text.IndexOfAny((byte)' ', (byte)'\t');
        ReadOnlySpan<byte> field;
        if (end < 0)
        {
            field = text;
            text = default;
        }
        else
        {
            field = text[..end];
            text = text[(end + 1)..];
        }
        return field;
    }

    public static ReadOnlySpan<byte> TrimStart(ReadOnlySpan<byte> text)
    {
        int i = 0;
        while (i < text.Length && IsSpace(text[i])) i++;
        return text[i..];
    }

    public static ReadOnlySpan<byte> Trim(ReadOnlySpan<byte> text)
    {
        text = TrimStart(text);
        int end = text.Length;
        while (end > 0 && IsSpace(text[end - 1])) end--;
        return text[..end];
    }

    public static bool IsSpace(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r';

    /// <summary>The whole (trimmed) span is a signed decimal integer.</summary>
    public static bool TryParseInt64(ReadOnlySpan<byte> text, out long value) =>
        Utf8Parser.TryParse(text, out value, out int consumed) && consumed == text.Length && text.Length > 0;

    public static bool TryParseUInt64(ReadOnlySpan<byte> text, out ulong value) =>
        Utf8Parser.TryParse(text, out value, out int consumed) && consumed == text.Length && text.Length > 0;

    public static bool TryParseInt32(ReadOnlySpan<byte> text, out int value) =>
        Utf8Parser.TryParse(text, out value, out int consumed) && consumed == text.Length && text.Length > 0;

    /// <summary>Multiplies a kernel kB count by 1024, saturating at long.MaxValue (and long.MinValue).</summary>
    public static long KibToBytes(long kib) =>
        kib > long.MaxValue / 1024 ? long.MaxValue : kib < long.MinValue / 1024 ? long.MinValue : kib * 1024;

    /// <summary>Multiplies a page count, saturating at long.MaxValue.</summary>
    public static long PagesToBytes(long pages, int pageSize) =>
        pages > long.MaxValue / pageSize ? long.MaxValue : pages < long.MinValue / pageSize ? long.MinValue : pages * pageSize;
}
