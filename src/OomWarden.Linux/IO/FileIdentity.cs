using OomWarden.Linux.Interop.FileSystem;

namespace OomWarden.Linux.IO;

/// <summary>lstat-like facts of a path (statx, AT_SYMLINK_NOFOLLOW): its type and which inode it is.</summary>
public static class FileIdentity
{
    private const int AtSymlinkNoFollow = 0x100;
    private const uint BasicStats = 0x7ff;

    /// <summary>Device and inode of the path itself (a link is not followed).</summary>
    public static unsafe bool TryGet(string path, out long device, out long inode)
    {
        byte* b = stackalloc byte[256];
        device = inode = 0;
        if (FileSystemInterop.Statx(OpenFlags.AtCurrentDirectory, path, AtSymlinkNoFollow, BasicStats, b) != 0) return false;
        inode = *(long*)(b + 32);
        device = ((long)*(uint*)(b + 136) << 32) | *(uint*)(b + 140);
        return true;
    }

    /// <summary>True when the path itself is a socket (a link to one is not).</summary>
    public static unsafe bool IsSocket(string path)
    {
        byte* b = stackalloc byte[256];
        if (FileSystemInterop.Statx(OpenFlags.AtCurrentDirectory, path, AtSymlinkNoFollow, BasicStats, b) != 0) return false;
        return (*(ushort*)(b + 28) & 0xF000) == 0xC000;
    }

    /// <summary>What the path itself is ("a regular file", "a directory", "a socket"...); null when nothing is there.</summary>
    public static unsafe string? TypeOf(string path)
    {
        byte* b = stackalloc byte[256];
        if (FileSystemInterop.Statx(OpenFlags.AtCurrentDirectory, path, AtSymlinkNoFollow, BasicStats, b) != 0) return null;
        return AppendOnlyFile.TypeName(*(ushort*)(b + 28));
    }

    /// <summary>True when something (anything, a dangling link too) is at the path.</summary>
    public static unsafe bool Exists(string path)
    {
        byte* b = stackalloc byte[256];
        return FileSystemInterop.Statx(OpenFlags.AtCurrentDirectory, path, AtSymlinkNoFollow, BasicStats, b) == 0;
    }
}
