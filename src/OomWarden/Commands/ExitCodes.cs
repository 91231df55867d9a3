namespace OomWarden.Commands;

/// <summary>sysexits.h codes used by the verbs, as README.md lists them.</summary>
public static class ExitCodes
{
    public const int Ok = 0;

    /// <summary>EX_USAGE: bad command line (unknown option, a value given to a flag, a missing value).</summary>
    public const int Usage = 64;

    /// <summary>EX_DATAERR: the input file is malformed (a snapshot that does not read).</summary>
    public const int DataError = 65;

    /// <summary>EX_NOINPUT: an input file does not exist or cannot be opened (ENOENT, EACCES, EISDIR...).</summary>
    public const int NoInput = 66;

    /// <summary>EX_UNAVAILABLE: no daemon answers on the control socket; a service needed is not there (no
    /// notification server on a session bus).</summary>
    public const int Unavailable = 69;

    /// <summary>EX_SOFTWARE: an internal error (a bug): one line, never a stack trace.</summary>
    public const int Software = 70;

    /// <summary>EX_OSERR: the host cannot be read (no /proc, no cgroupfs).</summary>
    public const int OsError = 71;

    /// <summary>EX_CANTCREAT: an output file cannot be written.</summary>
    public const int CantCreate = 73;

    /// <summary>EX_IOERR: an input opened but reading it failed (EIO, a truncated compressed stream).</summary>
    public const int IoError = 74;

    /// <summary>EX_TEMPFAIL: the daemon did not answer in time.</summary>
    public const int TempFail = 75;

    /// <summary>EX_NOPERM: the control socket or the request is not for this user.</summary>
    public const int NoPermission = 77;

    /// <summary>EX_CONFIG: the configuration is rejected.</summary>
    public const int Config = 78;

    /// <summary>The code for a failure to read the input file <paramref name="path"/>: 66 when it cannot be
    /// opened at all, 74 when reading it failed.</summary>
    public static int ForInput(Exception e, string? path = null) =>
        e is ArgumentException or NotSupportedException || OsErrors.MeansNoInput(OsErrors.Errno(e, path)) ? NoInput : IoError;

    /// <summary>The code for a failure to read input whose errno is known: 66 or 74, as <see cref="ForInput(Exception, string)"/>.</summary>
    public static int ForInput(int errno) => OsErrors.MeansNoInput(errno) ? NoInput : IoError;
}
