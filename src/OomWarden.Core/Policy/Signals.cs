using System.Globalization;

namespace OomWarden.Core.Policy;

/// <summary>Linux signal names and numbers (x86-64/arm64 numbering) as rules write them.</summary>
public static class Signals
{
    public const int SigKill = 9;
    public const int SigTerm = 15;
    public const int SigCont = 18;
    public const int SigStop = 19;

    private static readonly string[] Names =
    [
        "", "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL", "USR1", "SEGV", "USR2", "PIPE", "ALRM",
        "TERM", "STKFLT", "CHLD", "CONT", "STOP", "TSTP", "TTIN", "TTOU", "URG", "XCPU", "XFSZ", "VTALRM", "PROF",
        "WINCH", "IO", "PWR", "SYS",
    ];

    /// <summary>"SIGTERM", "TERM", "term", "15" → 15. Numbers 1..64 are accepted (real-time signals included).</summary>
    public static bool TryParse(string text, out int signal)
    {
        signal = 0;
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int n))
        {
            if (n is < 1 or > 64) return false;
            signal = n;
            return true;
        }
        string name = text.ToUpperInvariant();
        if (name.StartsWith("SIG", StringComparison.Ordinal)) name = name[3..];
        for (int i = 1; i < Names.Length; i++)
        {
            if (Names[i] == name)
            {
                signal = i;
                return true;
            }
        }
        return false;
    }

    /// <summary>"SIGTERM", or the number for signals without a name here.</summary>
    public static string Name(int signal) =>
        signal > 0 && signal < Names.Length ? "SIG" + Names[signal] : signal.ToString(CultureInfo.InvariantCulture);
}
