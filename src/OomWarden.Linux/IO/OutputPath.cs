using System.Diagnostics.CodeAnalysis;
using OomWarden.Linux.Interop.FileSystem;

namespace OomWarden.Linux.IO;

/// <summary>An output the admin names (<c>snapshot -o PATH</c>) is written to a temporary file renamed over the path:
/// rename(2) replaces whatever the name is, so as root <c>-o /dev/null</c> would put a regular file in place of the
/// device, and <c>-o /dev/stdout</c> would replace the link. Only a missing name or a regular file is replaced.</summary>
public static class OutputPath
{
    private const int AtSymlinkNoFollow = 0x100;
    private const ushort SIfMt = 0xF000, SIfReg = 0x8000;

    /// <summary>True when <paramref name="path"/> does not exist or is a regular file; otherwise the reason ("a
    /// character device, not a regular file"), without the path.</summary>
    public static unsafe bool MayReplace(string path, [NotNullWhen(false)] out string? reason)
    {
        byte* buffer = stackalloc byte[256];
        new Span<byte>(buffer, 256).Clear();
        if (FileSystemInterop.Statx(OpenFlags.AtCurrentDirectory, path, AtSymlinkNoFollow, FileSystemInterop.StatxType, buffer) != 0)
        {
            // ENOENT: a new file; any other error (EACCES, ENOTDIR) is the create's to report.
            reason = null;
            return true;
        }
        ushort mode = *(ushort*)(buffer + 28);
        if ((mode & SIfMt) == SIfReg)
        {
            reason = null;
            return true;
        }
        reason = $"{AppendOnlyFile.TypeName(mode)}, not a regular file (not replaced)";
        return false;
    }
}
