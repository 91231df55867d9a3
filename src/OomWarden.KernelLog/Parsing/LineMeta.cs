using System.Runtime.InteropServices;
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
    /// printk's stamp <c>[  394.158309]</c> (14 bytes) when the line's uptime is read from it: when asked, once a report,
    /// instead of for every line (<see cref="LineUnwrapper.PrintkStampSeconds"/>, the same double as the general path's).
    /// </summary>
    internal ReadOnlySpan<byte> UptimeStamp;
    public bool HadSyslogEscape;
    /// <summary>BSD stamp without the kernel's own stamp: journalctl short or a syslog file.</summary>
    public bool AmbiguousBsd;

    /// <summary>Seconds since boot when the prefix carries it, else NaN.</summary>
    public double UptimeSeconds
    {
        readonly get => UptimeStamp.IsEmpty ? _uptime : LineUnwrapper.PrintkStampSeconds(ref MemoryMarshal.GetReference(UptimeStamp));
        set { _uptime = value; UptimeStamp = default; }
    }

    /// <summary>The uptime as a value, or (<paramref name="stamp"/> not empty) to be read from printk's stamp.</summary>
    internal void SetUptime(double value, ReadOnlySpan<byte> stamp)
    {
        _uptime = value;
        UptimeStamp = stamp;
    }

    public static LineMeta None => new() { UptimeSeconds = double.NaN };
}
