namespace OomWarden;

/// <summary>OS errors as the C library words them (strerror), recovered from the exceptions of .NET's file APIs.</summary>
/// <remarks>The NativeAOT binary strips resource strings (UseSystemResourceKeys), so an IOException's Message is a
/// resource key such as "IO_FileNotFound_FileName": it is never shown. .NET turns errno into an exception type
/// (ENOENT → FileNotFound/DirectoryNotFound, EACCES/EPERM/EBADF → UnauthorizedAccess, ENAMETOOLONG → PathTooLong,
/// EEXIST → HResult ERROR_FILE_EXISTS) or keeps the raw errno as the HResult of a plain IOException.</remarks>
public static class OsErrors
{
    public const int EIO = 5;
    public const int EBADF = 9;
    public const int ENOENT = 2;
    public const int EACCES = 13;
    public const int EEXIST = 17;
    public const int ENOTDIR = 20;
    public const int EISDIR = 21;
    public const int ENAMETOOLONG = 36;
    public const int ELOOP = 40;

    private const int ErrorFileExists = unchecked((int)0x80070050);

    /// <summary>The errno behind <paramref name="e"/>; 0 when it carries none. <paramref name="path"/>, when given,
    /// tells "is a directory" apart from "permission denied" (.NET reports both as UnauthorizedAccessException) and
    /// "not a directory" from "no such file".</summary>
    public static int Errno(Exception e, string? path = null) => e switch
    {
        FileNotFoundException or DirectoryNotFoundException => path is not null && UnderAFile(path) ? ENOTDIR : ENOENT,
        PathTooLongException => ENAMETOOLONG,
        // A closed standard descriptor (`<&-`): UnauthorizedAccessException around the dup(2)'s EBADF.
        UnauthorizedAccessException { InnerException: IOException { HResult: EBADF } } => EBADF,
        UnauthorizedAccessException => path is not null && Directory.Exists(path) ? EISDIR : EACCES,
        IOException { HResult: ErrorFileExists } => EEXIST,
        IOException { HResult: > 0 and < 4096 } io => io.HResult,
        _ => 0,
    };

    /// <summary>.NET reports ENOTDIR ("/etc/passwd/x") as DirectoryNotFoundException too: a parent that is a file tells.</summary>
    private static bool UnderAFile(string path)
    {
        for (string? dir = Path.GetDirectoryName(path); !string.IsNullOrEmpty(dir); dir = Path.GetDirectoryName(dir))
        {
            if (File.Exists(dir)) return true;
        }
        return false;
    }

    /// <summary>"No such file or directory": strerror of the errno behind <paramref name="e"/>, or a plain
    /// description of what failed when there is no errno.</summary>
    public static string Describe(Exception e, string? path = null)
    {
        int errno = Errno(e, path);
        if (errno > 0) return Linux.Interop.Errno.Strerror(errno);
        return e switch
        {
            ArgumentException => "invalid path",
            NotSupportedException => "not supported",
            // oomwarden's own readers throw IOExceptions whose message already says what failed (with errno and path).
            _ when e.GetType() == typeof(IOException) && e.HResult == CorIo && !IsResourceKey(e.Message) => e.Message,
            _ => "I/O error (" + e.GetType().Name + ")",
        };
    }

    /// <summary>HResult of an IOException created with a message alone (COR_E_IO).</summary>
    private const int CorIo = unchecked((int)0x80131620);

    /// <summary>"IO_FileNotFound_FileName, /x": what a message of the runtime looks like in the NativeAOT binary.</summary>
    internal static bool IsResourceKey(string message)
    {
        int end = message.IndexOf(',');
        var head = end < 0 ? message.AsSpan() : message.AsSpan(0, end);
        return head.Length > 0 && head.Contains('_') && !head.Contains(' ');
    }

    /// <summary>The file named as input is not there or cannot be opened at all (sysexits EX_NOINPUT), as opposed to
    /// an error while reading it (EX_IOERR).</summary>
    public static bool MeansNoInput(int errno) => errno is ENOENT or EBADF or EACCES or ENOTDIR or EISDIR or ENAMETOOLONG or ELOOP;
}
