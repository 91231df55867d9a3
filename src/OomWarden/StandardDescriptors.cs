using Microsoft.Win32.SafeHandles;

namespace OomWarden;

/// <summary>Started with stdout or stderr closed (<c>&gt;&amp;-</c>), the process would hand descriptor 1 or 2 to
/// the next open(2) or dup(2): .NET's Console.Error is a dup of 2, which then became descriptor 1, so what a verb
/// wrote to stdout (a snapshot with <c>-o -</c>) went to stderr; a file the daemon opens could become its stdout.
/// A closed 1 or 2 is given /dev/null (write-only) first: the output is lost, as README says of a closed stdout, and
/// never lands elsewhere. Only .NET's own file calls are used (no P/Invoke of ours: resolving one opens /dev/urandom
/// for a hash seed, which would take the free descriptor 1 first). Descriptor 0 is left as it is.</summary>
public static class StandardDescriptors
{
    // Kept open for the life of the process (never finalized).
    private static readonly List<SafeFileHandle> Held = [];

    /// <summary>Gives /dev/null to descriptors 1 and 2 when they are closed; true when one was.</summary>
    public static bool FillClosedOutputs()
    {
        if (!OperatingSystem.IsLinux() || (IsOpen(1) && IsOpen(2))) return false;
        var spare = new List<SafeFileHandle>();
        try
        {
            // open(2) returns the lowest free number: open until 1 and 2 are taken; a handle that landed on 0
            // (stdin closed too) is closed again at the end.
            for (int i = 0; i < 3 && !(IsOpen(1) && IsOpen(2)); i++)
            {
                var h = File.OpenHandle("/dev/null", FileMode.Open, FileAccess.Write, FileShare.ReadWrite);
                long fd = h.DangerousGetHandle();
                if (fd is 1 or 2) Held.Add(h);
                else spare.Add(h);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // no /dev/null: the descriptors stay closed, as before
        }
        foreach (var h in spare) h.Dispose();
        return true;
    }

    private static bool IsOpen(int fd)
    {
        if (OperatingSystem.IsWindows()) return true;
        try
        {
            using var h = new SafeFileHandle((nint)fd, ownsHandle: false);
            File.GetUnixFileMode(h); // fstat(2): EBADF when closed
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return false;
        }
    }
}
