using System.Globalization;
using System.Text;

namespace OomWarden.Core.Model;

/// <summary>Text that a process chose (comm, cmdline, exe, cgroup and unit names) made safe to print on a terminal or
/// in a log line. A process can name itself anything: a newline forges a second log line, <c>\x1b[2J</c> clears the
/// screen, <c>\x1b]0;...\a</c> retitles the window, U+202E reverses what follows.</summary>
public static class TextEscape
{
    /// <summary>Escapes, and leaves everything else as it is:
    /// <list type="bullet">
    /// <item>C0 controls: <c>\n</c>, <c>\r</c>, <c>\t</c>, others <c>\xNN</c> (ESC is <c>\x1b</c>); DEL is <c>\x7f</c>;</item>
    /// <item>C1 controls (U+0080..U+009F, e.g. the 8-bit CSI U+009B), line and paragraph separators (U+2028, U+2029),
    /// bidi marks, embeddings, overrides and isolates (U+061C, U+200E, U+200F, U+202A..U+202E, U+2066..U+2069), the
    /// BOM / zero width no-break space (U+FEFF) and lone surrogates: <c>\uNNNN</c>.</item>
    /// </list>
    /// A backslash is not doubled, so systemd's own escapes in unit names (<c>system-systemd\x2dfsck.slice</c>) read as
    /// they are written; the output is for people (JSON output carries the exact text). Returns
    /// <paramref name="text"/> itself when nothing needs escaping (no allocation).</summary>
    public static string ForTerminal(string text)
    {
        int first = IndexOfUnsafe(text);
        if (first < 0) return text;
        var sb = new StringBuilder(text.Length + 16);
        sb.Append(text, 0, first);
        for (int i = first; i < text.Length; i++)
        {
            char c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                sb.Append(c).Append(text[++i]);
                continue;
            }
            if (!NeedsEscape(c))
            {
                sb.Append(c);
                continue;
            }
            switch (c)
            {
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                default:
                    if (c < 0x80) sb.Append("\\x").Append(((int)c).ToString("x2", CultureInfo.InvariantCulture));
                    else sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    break;
            }
        }
        return sb.ToString();
    }

    /// <summary>True when <paramref name="text"/> holds nothing <see cref="ForTerminal"/> would change.</summary>
    public static bool IsSafe(string text) => IndexOfUnsafe(text) < 0;

    private static int IndexOfUnsafe(string text)
    {
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
                continue;
            }
            if (NeedsEscape(c)) return i;
        }
        return -1;
    }

    private static bool NeedsEscape(char c) =>
        c < 0x20 || c == 0x7f
        || (c >= 0x80 && c <= 0x9f)
        || c is '\u061c' or '\u200e' or '\u200f' or '\u2028' or '\u2029' or '\ufeff'
        || (c >= '\u202a' && c <= '\u202e')
        || (c >= '\u2066' && c <= '\u2069')
        || char.IsSurrogate(c); // a paired surrogate was skipped by the caller: only lone ones get here
}
