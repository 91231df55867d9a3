using System.Runtime.InteropServices;
using OomWarden.Linux.Interop;
using OomWarden.Linux.Interop.FileSystem;

namespace OomWarden.Linux.IO;

/// <summary>Checks a program named in the config (a hook) before anything runs it.</summary>
public static unsafe class ProgramFile
{
    private const int AtFdCwd = -100;

    /// <summary>Why <paramref name="path"/> cannot be run, or null: an absolute path to a regular file (links are
    /// followed) with an execute bit.</summary>
    public static string? WhyNotRunnable(string path)
    {
        if (path.Length == 0 || path[0] != '/') return "must be an absolute path (hooks run without a shell or PATH search)";
        byte* buffer = stackalloc byte[256];
        if (FileSystemInterop.Statx(AtFdCwd, path, 0, FileSystemInterop.StatxType | FileSystemInterop.StatxMode, buffer) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            return errno == Errno.ENOENT ? "does not exist" : Errno.Describe(errno);
        }
        ushort mode = *(ushort*)(buffer + 28);
        var type = FileTypes.Of(mode);
        if (type == FileType.Directory) return "is a directory, not a regular file";
        if (type != FileType.Regular) return "is not a regular file";
        if ((mode & 0b001_001_001) == 0) return "is not executable";
        return null;
    }

    /// <summary>The owner of <paramref name="path"/> (links followed); false when it cannot be stat'ed.</summary>
    public static bool TryOwner(string path, out int uid, out int gid)
    {
        byte* buffer = stackalloc byte[256];
        uid = gid = -1;
        if (FileSystemInterop.Statx(AtFdCwd, path, 0, StatxUid | StatxGid, buffer) != 0) return false;
        uid = *(int*)(buffer + 20);
        gid = *(int*)(buffer + 24);
        return true;
    }

    private const uint StatxUid = 0x8, StatxGid = 0x10;
}
