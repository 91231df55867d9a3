namespace OomWarden.Linux.Interop.FileSystem;

/// <summary>Sets O_NONBLOCK on a descriptor (fcntl F_GETFL/F_SETFL).</summary>
public static class NonBlocking
{
    private const int ONonBlock = 0x800;

    public static bool TrySet(int fd)
    {
        int flags = FileSystemInterop.Fcntl(fd, FileSystemInterop.FGetFl, 0);
        return flags >= 0 && FileSystemInterop.Fcntl(fd, FileSystemInterop.FSetFl, flags | ONonBlock) == 0;
    }
}
