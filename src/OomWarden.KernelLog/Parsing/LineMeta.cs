using OomWarden.KernelLog.Model;

namespace OomWarden.KernelLog.Parsing;

/// <summary>What the wrapper of a logical line said.</summary>
public ref struct LineMeta
{
    public LogWrapper Wrapper;
    public ReadOnlySpan<byte> Time;
    public ReadOnlySpan<byte> Host;
    public double UptimeSeconds;
    public bool HadSyslogEscape;
    /// <summary>BSD stamp without the kernel's own stamp: journalctl short or a syslog file.</summary>
    public bool AmbiguousBsd;

    public static LineMeta None => new() { UptimeSeconds = double.NaN };
}
