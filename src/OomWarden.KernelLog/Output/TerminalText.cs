using System.Globalization;
using System.Text;

namespace OomWarden.KernelLog.Output;

/// <summary>
/// Text taken from a log (comm names, cgroup paths, evidence lines) made safe to print on a terminal: C0 and C1
/// control characters (ESC starts escape sequences), DEL, line and paragraph separators and bidirectional
/// overrides become <c>\xNN</c> / <c>\uNNNN</c>, and a backslash becomes <c>\\</c> so the escapes stay unambiguous.
/// Local to analyze until the shared helper in OomWarden.Core (TextEscape) lands; then this should call it.
/// </summary>
public static class TerminalText
{
    public static string Escape(string s)
    {
        int i = 0;
        while (i < s.Length && !NeedsEscape(s[i])) i++;
        if (i == s.Length) return s;
        var sb = new StringBuilder(s.Length + 16);
        sb.Append(s, 0, i);
        for (; i < s.Length; i++)
        {
            char c = s[i];
            if (!NeedsEscape(c)) sb.Append(c);
            else if (c == '\\') sb.Append("\\\\");
            else if (c <= 0xff) sb.Append("\\x").Append(((int)c).ToString("x2", CultureInfo.InvariantCulture));
            else sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
        }
        return sb.ToString();
    }

    private static bool NeedsEscape(char c) =>
        c < 0x20 || c == '\\' || (c >= 0x7f && c <= 0x9f) || c == '\u2028' || c == '\u2029'
        || (c >= '\u200e' && c <= '\u200f') || (c >= '\u202a' && c <= '\u202e') || (c >= '\u2066' && c <= '\u2069');
}
