using System.Globalization;

namespace OomWarden.Daemon;

/// <summary>The daemon's stderr lines: a UTC timestamp, then the message with control characters escaped (a
/// process name is chosen by the process: "\e[2J" or a newline in it must not reach the terminal or forge a log line).</summary>
/// <remarks>TODO(lead): the "protect" helper adds a shared escape helper in Core; use it here then.</remarks>
public static class DaemonLog
{
    public static void Write(TextWriter log, TimeProvider time, string message)
    {
        log.WriteLine(time.GetUtcNow().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z' ", CultureInfo.InvariantCulture) + Escape(message));
        log.Flush();
    }

    /// <summary>C0 controls, DEL and C1 controls as \n, \t, \r, \\xNN or \\u00NN; the same string when there are none.</summary>
    public static string Escape(string text)
    {
        int first = -1;
        for (int i = 0; i < text.Length; i++)
        {
            if (IsControl(text[i]))
            {
                first = i;
                break;
            }
        }
        if (first < 0) return text;
        var sb = new System.Text.StringBuilder(text.Length + 16);
        sb.Append(text, 0, first);
        for (int i = first; i < text.Length; i++)
        {
            char c = text[i];
            if (!IsControl(c))
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
                    sb.Append(c < 0x80 ? "\\x" : "\\u00").Append(((int)c).ToString("x2", CultureInfo.InvariantCulture));
                    break;
            }
        }
        return sb.ToString();
    }

    private static bool IsControl(char c) => c < 0x20 || (c >= 0x7f && c <= 0x9f);
}
