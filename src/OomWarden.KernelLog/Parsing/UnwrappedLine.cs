using OomWarden.KernelLog.Model;

namespace OomWarden.KernelLog.Parsing;

/// <summary>A log line with its wrapper removed: the kernel message and what the prefix said.</summary>
public ref struct UnwrappedLine
{
    public ReadOnlySpan<byte> Message;
    public ReadOnlySpan<byte> Time;
    public ReadOnlySpan<byte> Host;
    /// <summary>The syslog tag / journal identifier ("kernel", "rsyslogd", "systemd[1]"), when the wrapper has one.</summary>
    public ReadOnlySpan<byte> Tag;
    public LogWrapper Wrapper;
    /// <summary>Seconds since boot when the prefix carries it, else NaN.</summary>
    public double UptimeSeconds;
    /// <summary><c>Nov 22 23:42:39 host kernel: msg</c>: journalctl short or a syslog file, the line alone cannot tell.</summary>
    public bool AmbiguousBsd;
    /// <summary>A syslog/journal header followed by the kernel's own <c>[ 12.345678]</c> stamp (rsyslog imklog).</summary>
    public bool HadKernelStamp;
    /// <summary>A tagged line (journal/syslog) from something other than the kernel.</summary>
    public bool IsForeign;
    /// <summary>Blanks before the content (after any quote marks): dmesg/journal indent the 2nd+ lines of a multi-line record.</summary>
    public int Indent;
    /// <summary>The line carried a recognised prefix (so a following line without one is a continuation).</summary>
    public readonly bool HasPrefix => Wrapper != LogWrapper.None;
}
