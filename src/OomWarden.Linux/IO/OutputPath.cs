using System.Diagnostics.CodeAnalysis;

namespace OomWarden.Linux.IO;

/// <summary>An output the admin names (<c>snapshot -o PATH</c>) is written to a temporary file renamed over the path:
/// rename(2) replaces whatever the name is, so as root <c>-o /dev/null</c> would put a regular file in place of the
/// device, and <c>-o /dev/stdout</c> would replace the link. Only a missing name or a regular file is replaced.</summary>
public static class OutputPath
{
    /// <summary>True when <paramref name="path"/> does not exist or is a regular file; otherwise the reason ("a
    /// character device, not a regular file"), without the path.</summary>
    public static bool MayReplace(string path, [NotNullWhen(false)] out string? reason)
    {
        // Nothing to stat (ENOENT: a new file; any other error, EACCES or ENOTDIR, is the create's to report).
        if (!FileIdentity.TryGetType(path, out var type) || type == FileType.Regular)
        {
            reason = null;
            return true;
        }
        reason = $"{type.Name()}, not a regular file (not replaced)";
        return false;
    }
}
