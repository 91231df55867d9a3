using OomWarden.Commands;

namespace OomWarden.Tests;

/// <summary>The exceptions .NET's file APIs really throw on this kernel, mapped back to errno and the C library's text
/// (an exception's Message is a resource key in the NativeAOT binary, so it is never what the user reads).</summary>
public class OsErrorsTests
{
    private static Exception Thrown(Action read)
    {
        try
        {
            read();
        }
        catch (Exception e)
        {
            return e;
        }
        throw new InvalidOperationException("no exception");
    }

    [Theory]
    [InlineData("/nonexistent-oomwarden/x.toml", "No such file or directory", ExitCodes.NoInput)]
    [InlineData("/nonexistent-oomwarden.toml", "No such file or directory", ExitCodes.NoInput)]
    [InlineData("/etc/passwd/x", "Not a directory", ExitCodes.NoInput)]
    [InlineData("/tmp", "Is a directory", ExitCodes.NoInput)]
    [InlineData("/proc/self/mem", "Input/output error", ExitCodes.IoError)]
    public void Reading_a_file_that_fails_says_why_in_strerror_words(string path, string text, int exitCode)
    {
        var e = Thrown(() => File.ReadAllBytes(path));
        Assert.Equal(text, OsErrors.Describe(e, path));
        Assert.Equal(exitCode, ExitCodes.ForInput(e, path));
    }

    [Fact]
    public void A_name_too_long_is_ENAMETOOLONG()
    {
        string path = "/tmp/" + new string('x', 300);
        var e = Thrown(() => File.ReadAllBytes(path));
        Assert.Equal(OsErrors.ENAMETOOLONG, OsErrors.Errno(e, path));
        Assert.Equal("File name too long", OsErrors.Describe(e, path));
    }

    [Fact]
    public void Creating_where_a_directory_is_missing_is_ENOENT()
    {
        var e = Thrown(() => new FileStream("/nonexistent-oomwarden/x.tmp", FileMode.Create, FileAccess.Write).Dispose());
        Assert.Equal("No such file or directory", OsErrors.Describe(e));
    }

    [Fact]
    public void Oomwardens_own_messages_are_kept_and_resource_keys_are_not_shown()
    {
        Assert.Equal("open /x/meminfo: errno 2 (No such file or directory)", OsErrors.Describe(new IOException("open /x/meminfo: errno 2 (No such file or directory)")));
        Assert.Equal("I/O error (IOException)", OsErrors.Describe(new IOException("IO_FileNotFound_FileName, /x")));
        Assert.True(OsErrors.IsResourceKey("IO_PathNotFound_Path, /nonexistent/x.tmp"));
        Assert.True(OsErrors.IsResourceKey("NotSupported_NonBacktrackingUnsafeSize"));
        Assert.False(OsErrors.IsResourceKey("cannot open /x: No such file"));
    }
}
