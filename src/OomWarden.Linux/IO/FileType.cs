namespace OomWarden.Linux.IO;

/// <summary>What an inode is: the S_IFMT bits of st_mode / stx_mode (inode(7)).</summary>
public enum FileType
{
    Unknown,
    Fifo,
    CharacterDevice,
    Directory,
    BlockDevice,
    Regular,
    SymbolicLink,
    Socket,
}

/// <summary>The one place that knows the S_IF* values: <see cref="Of"/> reads a mode, <see cref="Name"/> says it as
/// the error messages do ("a FIFO", "a directory").</summary>
public static class FileTypes
{
    private const uint SIfMt = 0xF000; // S_IFMT

    public static FileType Of(uint mode) => (mode & SIfMt) switch
    {
        0x1000 => FileType.Fifo,            // S_IFIFO
        0x2000 => FileType.CharacterDevice, // S_IFCHR
        0x4000 => FileType.Directory,       // S_IFDIR
        0x6000 => FileType.BlockDevice,     // S_IFBLK
        0x8000 => FileType.Regular,         // S_IFREG
        0xA000 => FileType.SymbolicLink,    // S_IFLNK
        0xC000 => FileType.Socket,          // S_IFSOCK
        _ => FileType.Unknown,
    };

    public static string Name(this FileType type) => type switch
    {
        FileType.Fifo => "a FIFO",
        FileType.CharacterDevice => "a character device",
        FileType.Directory => "a directory",
        FileType.BlockDevice => "a block device",
        FileType.Regular => "a regular file",
        FileType.SymbolicLink => "a symbolic link",
        FileType.Socket => "a socket",
        _ => "of an unknown file type",
    };
}
