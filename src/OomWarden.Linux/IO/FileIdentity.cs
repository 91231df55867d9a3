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

    /// <summary>The type of the path itself (lstat: a link is <see cref="FileType.SymbolicLink"/>, not followed);
    /// false (errno in the last P/Invoke error) when nothing can be stat'ed there.</summary>
    public static unsafe bool TryGetType(string path, out FileType type)
    {
        byte* b = stackalloc byte[256];
        new Span<byte>(b, 256).Clear();
        type = FileType.Unknown;
        if (FileSystemInterop.Statx(OpenFlags.AtCurrentDirectory, path, AtSymlinkNoFollow, FileSystemInterop.StatxType, b) != 0) return false;
        type = FileTypes.Of(*(ushort*)(b + 28));
        return true;
    }

    /// <summary>The type of what <paramref name="fd"/> refers to (fstat: an O_PATH|O_NOFOLLOW descriptor of a link
    /// is the link); false when statx fails.</summary>
    public static unsafe bool TryGetType(int fd, out FileType type)
    {
        byte* b = stackalloc byte[256];
        new Span<byte>(b, 256).Clear();
        type = FileType.Unknown;
        if (FileSystemInterop.Statx(fd, "", FileSystemInterop.AtEmptyPath, FileSystemInterop.StatxType, b) != 0) return false;
        type = FileTypes.Of(*(ushort*)(b + 28));
        return true;
    }

    /// <summary>True when the path itself is a socket (a link to one is not).</summary>
    public static bool IsSocket(string path) => TryGetType(path, out var type) && type == FileType.Socket;

    /// <summary>What the path itself is ("a regular file", "a directory", "a socket"...); null when nothing is there.</summary>
    public static string? TypeOf(string path) => TryGetType(path, out var type) ? type.Name() : null;

    /// <summary>True when something (anything, a dangling link too) is at the path.</summary>
    public static unsafe bool Exists(string path)
    {
        byte* b = stackalloc byte[256];
        return FileSystemInterop.Statx(OpenFlags.AtCurrentDirectory, path, AtSymlinkNoFollow, BasicStats, b) == 0;
    }
}
