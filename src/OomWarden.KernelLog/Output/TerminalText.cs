using OomWarden.Core.Model;

namespace OomWarden.KernelLog.Output;

/// <summary>Text taken from a log (comm names, cgroup paths, evidence lines) made safe to print on a terminal, by the
/// rule every text output of oomwarden follows (<see cref="TextEscape.ForTerminal"/>: C0/C1 controls, DEL, line
/// separators, bidi controls escaped; a backslash left as it is, so systemd's <c>\x2d</c> reads as written).</summary>
public static class TerminalText
{
    public static string Escape(string s) => TextEscape.ForTerminal(s);
}
