namespace OomWarden.Commands;

/// <summary>sysexits.h codes used by the verbs.</summary>
public static class ExitCodes
{
    public const int Ok = 0;

    /// <summary>EX_USAGE: bad command line.</summary>
    public const int Usage = 64;

    /// <summary>EX_DATAERR: the input file is malformed (a snapshot that does not read).</summary>
    public const int DataError = 65;

    /// <summary>EX_NOINPUT: an input file cannot be opened.</summary>
    public const int NoInput = 66;

    /// <summary>EX_SOFTWARE: an internal error (a bug): one line, never a stack trace.</summary>
    public const int Software = 70;

    /// <summary>EX_OSERR: the host cannot be read (no /proc, no cgroupfs).</summary>
    public const int OsError = 71;

    /// <summary>EX_CANTCREAT: an output file cannot be written.</summary>
    public const int CantCreate = 73;

    /// <summary>EX_CONFIG: the configuration is rejected.</summary>
    public const int Config = 78;
}
