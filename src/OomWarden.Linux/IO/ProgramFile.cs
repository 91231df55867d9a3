using System.Runtime.InteropServices;
using OomWarden.Linux.Interop;
using OomWarden.Linux.Interop.FileSystem;

namespace OomWarden.Linux.IO;

/// <summary>Checks a program named in the config (a hook) before anything runs it.</summary>
public static unsafe class ProgramFile
{
    private const int AtFdCwd = -100;
    private const ushort SIfMt = 0xF000, SIfReg = 0x8000, SIfDir = 0x4000;

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
        if ((mode & SIfMt) == SIfDir) return "is a directory, not a regular file";
        if ((mode & SIfMt) != SIfReg) return "is not a regular file";
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

    /// <summary>True when <paramref name="path"/> itself (not a link) is a socket.</summary>
    public static bool IsSocket(string path)
    {
        byte* buffer = stackalloc byte[256];
        if (FileSystemInterop.Statx(AtFdCwd, path, AtSymlinkNoFollow, FileSystemInterop.StatxType, buffer) != 0) return false;
        return (*(ushort*)(buffer + 28) & SIfMt) == SIfSock;
    }

    private const uint StatxUid = 0x8, StatxGid = 0x10;
    private const int AtSymlinkNoFollow = 0x100;
    private const ushort SIfSock = 0xC000;
}
