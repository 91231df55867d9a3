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
    /// <summary>No prefix: <c>dmesg -t</c>, <c>journalctl -o cat</c>, pasted text.</summary>
    None = 0,
    /// <summary><c>[ 1234.567890] msg</c></summary>
    DmesgMonotonic,
    /// <summary><c>&lt;4&gt;[ 1234.567890] msg</c> (dmesg -r, console captures)</summary>
    DmesgRaw,
    /// <summary><c>[Sun Nov 22 23:42:39 2026] msg</c> (dmesg -T)</summary>
    DmesgWallClock,
    /// <summary><c>6,1234,5678,-;msg</c> (/dev/kmsg)</summary>
    Kmsg,
    /// <summary><c>Nov 22 23:42:39 host kernel: msg</c> when the input shows it is journalctl output (journalctl short)</summary>
    Journal,
    /// <summary><c>Nov 22 23:42:39.123456 host kernel: msg</c> (journalctl -o short-precise)</summary>
    JournalPrecise,
    /// <summary><c>2026-11-22T23:42:39+0000 host kernel: msg</c> (journalctl -o short-iso, short-iso-precise)</summary>
    JournalIso,
    /// <summary><c>[ 1234.567890] host kernel: msg</c> (journalctl -o short-monotonic)</summary>
    JournalMonotonic,
    /// <summary><c>Nov 22 23:42:39 host kernel: msg</c> or <c>... kernel: [ 12.3] msg</c> (BSD syslog file: sysklogd, rsyslog traditional format)</summary>
    Syslog,
    /// <summary><c>2026-11-22T23:42:39.123456+00:00 host kernel: msg</c> (rsyslog RFC 3339 file format)</summary>
    SyslogRfc3339,
    /// <summary><c>&lt;4&gt;1 2026-11-22T23:42:39.1+00:00 host kernel - - - msg</c> (RFC 5424)</summary>
    SyslogRfc5424,
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
        LogWrapper.DmesgRaw => "dmesg-r",
        LogWrapper.DmesgWallClock => "dmesg-T",
        LogWrapper.Kmsg => "kmsg",
        LogWrapper.Journal => "journal",
        LogWrapper.JournalPrecise => "journal-precise",
        LogWrapper.JournalIso => "journal-iso",
        LogWrapper.JournalMonotonic => "journal-monotonic",
        LogWrapper.Syslog => "syslog",
        LogWrapper.SyslogRfc3339 => "syslog-rfc3339",
        LogWrapper.SyslogRfc5424 => "syslog-rfc5424",
        _ => "other",
    };

    public static LogFormat FormatOf(LogWrapper wrapper) => wrapper switch
    {
        LogWrapper.DmesgMonotonic or LogWrapper.DmesgRaw or LogWrapper.DmesgWallClock or LogWrapper.Kmsg => LogFormat.Dmesg,
        LogWrapper.Journal or LogWrapper.JournalPrecise or LogWrapper.JournalIso or LogWrapper.JournalMonotonic => LogFormat.Journal,
        LogWrapper.Syslog or LogWrapper.SyslogRfc3339 or LogWrapper.SyslogRfc5424 => LogFormat.Syslog,
        _ => LogFormat.Other,
    };

    /// <summary>The BSD-stamped form (<c>Nov 22 23:42:39 host kernel: msg</c>), which journalctl short and a syslog file share.</summary>
    public static bool IsAmbiguousBsd(LogWrapper wrapper) => wrapper is LogWrapper.Journal or LogWrapper.Syslog;
}
