using System.Net.Sockets;
using System.Runtime.InteropServices;
using OomWarden.Linux.IO;

namespace OomWarden.Linux.Tests.IO;

/// <summary>FileTypes reads the S_IFMT bits of a mode (permission and set-id bits ignored); FileIdentity says what a
/// real path or descriptor is, a link itself and not its target.</summary>
public sealed class FileTypeTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "oomwarden-filetype-" + Guid.NewGuid().ToString("N")[..8]);

    public FileTypeTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData(0x1180u, FileType.Fifo, "a FIFO")]            // S_IFIFO | 0600
    [InlineData(0x21B6u, FileType.CharacterDevice, "a character device")]
    [InlineData(0x41EDu, FileType.Directory, "a directory")]   // 0755
    [InlineData(0x43FFu, FileType.Directory, "a directory")]   // 1777, sticky
    [InlineData(0x61B0u, FileType.BlockDevice, "a block device")]
    [InlineData(0x81A4u, FileType.Regular, "a regular file")]  // 0644
    [InlineData(0x8DEDu, FileType.Regular, "a regular file")]  // 4755, set-uid
    [InlineData(0xA1FFu, FileType.SymbolicLink, "a symbolic link")]
    [InlineData(0xC1EDu, FileType.Socket, "a socket")]
    [InlineData(0x01A4u, FileType.Unknown, "of an unknown file type")]
    [InlineData(0xE000u, FileType.Unknown, "of an unknown file type")]
    public void Of_reads_the_type_bits_only(uint mode, FileType type, string name)
    {
        Assert.Equal(type, FileTypes.Of(mode));
        Assert.Equal(name, FileTypes.Of(mode).Name());
    }

    [Fact]
    public void A_regular_file_a_directory_a_fifo_and_a_socket_by_path()
    {
        string file = Path.Combine(_dir, "file");
        File.WriteAllText(file, "x");
        string fifo = Path.Combine(_dir, "fifo");
        Assert.Equal(0, mkfifo(fifo, 0x180));
        string sock = Path.Combine(_dir, "sock");
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(sock));

        Assert.Equal(FileType.Regular, TypeAt(file));
        Assert.Equal(FileType.Directory, TypeAt(_dir));
        Assert.Equal(FileType.Fifo, TypeAt(fifo));
        Assert.Equal(FileType.Socket, TypeAt(sock));
        Assert.Equal(FileType.CharacterDevice, TypeAt("/dev/null"));
        Assert.True(FileIdentity.IsSocket(sock));
        Assert.False(FileIdentity.IsSocket(file));
        Assert.Equal("a FIFO", FileIdentity.TypeOf(fifo));
    }

    [Fact]
    public void A_link_is_a_link_by_path_not_its_target()
    {
        string sock = Path.Combine(_dir, "sock");
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(sock));
        string link = Path.Combine(_dir, "link");
        File.CreateSymbolicLink(link, sock);
        string dangling = Path.Combine(_dir, "dangling");
        File.CreateSymbolicLink(dangling, Path.Combine(_dir, "nothing"));

        Assert.Equal(FileType.SymbolicLink, TypeAt(link));
        Assert.False(FileIdentity.IsSocket(link));
        Assert.Equal("a symbolic link", FileIdentity.TypeOf(dangling));
        Assert.False(FileIdentity.TryGetType(Path.Combine(_dir, "nothing"), out _));
        Assert.Null(FileIdentity.TypeOf(Path.Combine(_dir, "nothing")));
    }

    [Fact]
    public void By_descriptor_a_regular_file_a_directory_and_an_O_PATH_link()
    {
        string file = Path.Combine(_dir, "file");
        File.WriteAllText(file, "x");
        string link = Path.Combine(_dir, "link");
        File.CreateSymbolicLink(link, file);

        Assert.Equal(FileType.Regular, TypeOfOpened(file, OPath));
        Assert.Equal(FileType.Directory, TypeOfOpened(_dir, OPath));
        Assert.Equal(FileType.Regular, TypeOfOpened(link, OPath));           // followed
        Assert.Equal(FileType.SymbolicLink, TypeOfOpened(link, OPath | ONoFollow)); // the link itself
        Assert.False(FileIdentity.TryGetType(-1, out _));
    }

    private static FileType TypeAt(string path)
    {
        Assert.True(FileIdentity.TryGetType(path, out var type), path);
        return type;
    }

    private static FileType TypeOfOpened(string path, int flags)
    {
        int fd = open(path, flags | OCloExec);
        Assert.True(fd >= 0, $"open {path}: errno {Marshal.GetLastPInvokeError()}");
        try
        {
            Assert.True(FileIdentity.TryGetType(fd, out var type), path);
            return type;
        }
        finally
        {
            close(fd);
        }
    }

    private const int OPath = 0x200000, OCloExec = 0x80000;

    private static int ONoFollow { get; } =
        RuntimeInformation.ProcessArchitecture is Architecture.Arm64 or Architecture.Arm ? 0x8000 : 0x20000;

    [DllImport("libc", SetLastError = true)]
    private static extern int mkfifo(string path, int mode);

    [DllImport("libc", SetLastError = true)]
    private static extern int open(string path, int flags);

    [DllImport("libc")]
    private static extern int close(int fd);
}
