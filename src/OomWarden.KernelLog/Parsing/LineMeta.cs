using OomWarden.KernelLog.Model;

namespace OomWarden.KernelLog.Parsing;

/// <summary>What the wrapper of a logical line said.</summary>
public ref struct LineMeta
{
    public LogWrapper Wrapper;
    public ReadOnlySpan<byte> Time;
    public ReadOnlySpan<byte> Host;
    private double _uptime;
    /// <summary>
    /// <see cref="Time"/> is printk's stamp (<c>394.158309</c>): the uptime is read from it when asked, once a report,
    /// instead of for every line (<see cref="LineUnwrapper.PrintkSeconds"/>, the same double as the general path's).
    /// </summary>
    internal bool UptimeInTime;
    public bool HadSyslogEscape;
    /// <summary>BSD stamp without the kernel's own stamp: journalctl short or a syslog file.</summary>
    public bool AmbiguousBsd;

    /// <summary>Seconds since boot when the prefix carries it, else NaN.</summary>
    public double UptimeSeconds
    {
        readonly get => UptimeInTime ? LineUnwrapper.PrintkSeconds(Time) : _uptime;
        set { _uptime = value; UptimeInTime = false; }
    }

    public static LineMeta None => new() { UptimeSeconds = double.NaN };
}
