namespace OomWarden.KernelLog.Model;

/// <summary>The log family a line came from, as reported in JSON <c>format</c>.</summary>
public enum LogFormat : byte
{
    Other = 0,
    Dmesg,
    Journal,
    Syslog,
}

/// <summary>The exact wrapper recognised (finer than <see cref="LogFormat"/>), reported in JSON <c>wrapper</c>.</summary>
public enum LogWrapper : byte
{
    None = 0,
    /// <summary><c>[ 1234.567890] msg</c></summary>
    DmesgMonotonic,
    /// <summary><c>[Sun Nov 22 23:42:39 2026] msg</c> (dmesg -T)</summary>
    DmesgWallClock,
    /// <summary><c>6,1234,5678,-;msg</c> (/dev/kmsg)</summary>
    Kmsg,
    /// <summary><c>Nov 22 23:42:39 host kernel: msg</c> (journalctl short/short-precise/short-iso)</summary>
    Journal,
    /// <summary><c>Nov 22 23:42:39 host kernel: [ 12.3] msg</c>, RFC 3339 rsyslog stamps, RFC 5424, #012 escapes</summary>
    Syslog,
}

public static class LogFormatNames
{
    public static string Name(LogFormat format) => format switch
    {
        LogFormat.Dmesg => "dmesg",
        LogFormat.Journal => "journal",
        LogFormat.Syslog => "syslog",
        _ => "other",
    };

    public static string Name(LogWrapper wrapper) => wrapper switch
    {
        LogWrapper.DmesgMonotonic => "dmesg",
        LogWrapper.DmesgWallClock => "dmesg-T",
        LogWrapper.Kmsg => "kmsg",
        LogWrapper.Journal => "journal",
        LogWrapper.Syslog => "syslog",
        _ => "none",
    };

    public static LogFormat FormatOf(LogWrapper wrapper) => wrapper switch
    {
        LogWrapper.DmesgMonotonic or LogWrapper.DmesgWallClock or LogWrapper.Kmsg => LogFormat.Dmesg,
        LogWrapper.Journal => LogFormat.Journal,
        LogWrapper.Syslog => LogFormat.Syslog,
        _ => LogFormat.Other,
    };
}
