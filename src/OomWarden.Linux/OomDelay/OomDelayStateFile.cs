using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;
using System.Text;
using OomWarden.Linux.Interop;
using OomWarden.Linux.Interop.FileSystem;
using OomWarden.Linux.Interop.Process;
using OomWarden.Linux.IO;

namespace OomWarden.Linux.OomDelay;

/// <summary>The state file under /run/oomwarden: every setting oom_delay changed, written (and fsync'd) before the
/// setting is changed and rewritten after it is put back. Read with O_NOFOLLOW and only when it is a regular file;
/// written as a fresh O_EXCL temporary file renamed over the path (a link planted at the path or at the temporary
/// name is never written through). Its directory is created mode 0700.</summary>
public static class OomDelayStateFile
{
    /// <summary>O_NOFOLLOW: 0x20000 on x86-64, 0x8000 on arm64/arm.</summary>
    private static int ONoFollow { get; } =
        RuntimeInformation.ProcessArchitecture is Architecture.Arm64 or Architecture.Arm ? 0x8000 : 0x20000;

    /// <summary>The entries in the file; an empty list when there is no file. False (with the reason) when it cannot
    /// be read or is not a regular file.</summary>
    public static bool TryLoad(string path, out List<OomSetting> settings, out int rejected, [NotNullWhen(false)] out string? error)
    {
        settings = [];
        rejected = 0;
        if (!RawFile.TryOpen(path, RawFile.ORdOnly | RawFile.ONonBlock | ONoFollow, out int fd, out int errno))
        {
            if (errno == Errno.ENOENT) { error = null; return true; }
            error = errno == 40 // ELOOP: a symbolic link at the path
                ? $"{path} is a symbolic link, not a regular file; not reading it"
                : Errno.Describe(errno, "open", path);
            return false;
        }
        try
        {
            if (!FileIdentity.TryGetType(fd, out var type) || type != FileType.Regular)
            {
                error = !FileIdentity.TryGetType(fd, out type) ? $"{path} is not a regular file; not reading it" : $"{path} is {type.Name()}, not a regular file; not reading it";
                return false;
            }
            byte[] buffer = new byte[4096];
            int n = NativeRead.ReadWhole(fd, ref buffer, 1 << 20, out bool truncated);
            if (n < 0)
            {
                error = Errno.Describe(-n, "read", path);
                return false;
            }
            settings = OomDelayStateFormat.Parse(Encoding.UTF8.GetString(buffer, 0, n), out rejected);
            if (truncated) rejected++;
            error = null;
            return true;
        }
        finally
        {
            RawFile.Close(fd);
        }
    }

    /// <summary>Replaces the file with <paramref name="settings"/> (removes it when empty), durably.</summary>
    public static bool TrySave(string path, IReadOnlyCollection<OomSetting> settings, [NotNullWhen(false)] out string? error)
    {
        try
        {
            if (settings.Count == 0)
            {
                File.Delete(path);  // unlinks whatever is at the path; nothing is followed
                error = null;
                return true;
            }
            if (OperatingSystem.IsWindows()) throw new PlatformNotSupportedException();
            string dir = Path.GetDirectoryName(path)!;
            if (!Directory.Exists(dir)) Directory.CreateDirectory(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            string tmp = $"{path}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
            using (var fs = new FileStream(tmp, new FileStreamOptions
                   {
                       Mode = FileMode.CreateNew, Access = FileAccess.Write,
                       UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
                   }))
            {
                fs.Write(Encoding.UTF8.GetBytes(OomDelayStateFormat.Format(settings)));
                fs.Flush(flushToDisk: true);
            }
            File.Move(tmp, path, overwrite: true);
            error = null;
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error = $"cannot write {path} ({e.GetType().Name})";
            return false;
        }
    }

}
