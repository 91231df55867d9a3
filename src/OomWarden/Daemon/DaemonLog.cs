using System.Globalization;
using OomWarden.Core.Model;

namespace OomWarden.Daemon;

/// <summary>The daemon's stderr lines: a UTC timestamp, then the message with control characters escaped (a
/// process name is chosen by the process: "\e[2J" or a newline in it must not reach the terminal or forge a log line).</summary>
public static class DaemonLog
{
    public static void Write(TextWriter log, TimeProvider time, string message)
    {
        log.WriteLine(time.GetUtcNow().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z' ", CultureInfo.InvariantCulture) + Escape(message));
        log.Flush();
    }

    /// <summary>The one escaping rule of every text output (<see cref="TextEscape.ForTerminal"/>).</summary>
    public static string Escape(string text) => TextEscape.ForTerminal(text);
}
