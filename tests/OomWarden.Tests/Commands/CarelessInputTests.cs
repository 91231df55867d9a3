using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using OomWarden.Commands;

namespace OomWarden.Tests.Commands;

/// <summary>The verbs on input a careless or hostile user gives them: a FIFO or a device where a file is expected, bytes
/// that are not UTF-8, a newline in a file name, a snapshot that is not JSON, a socket path too long for a socket, a
/// reply that is not the daemon's. Each answer is one line naming the file and the reason, with the sysexits code.</summary>
public sealed class CarelessInputTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "oomwarden-careless-" + Guid.NewGuid().ToString("N")[..8]);

    public CarelessInputTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        int code = Cli.Run(args, new StringReader(""), o, e);
        return (code, o.ToString(), e.ToString());
    }

    /// <summary>Runs the verb on a thread of its own: a verb that blocks (a FIFO's open) fails the test instead of hanging it.</summary>
    private static async Task<(int Code, string Out, string Err)> RunBounded(params string[] args)
    {
        var task = Task.Run(() => Run(args), TestContext.Current.CancellationToken);
        var done = await Task.WhenAny(task, Task.Delay(TimeSpan.FromMinutes(2), TestContext.Current.CancellationToken));
        Assert.True(done == task, $"oomwarden {string.Join(' ', args)} blocked");
        return await task;
    }

    private static void AssertOneCleanLine(string err)
    {
        Assert.Single(err.TrimEnd('\n').Split('\n'));
        Assert.DoesNotContain("Exception", err, StringComparison.Ordinal);
        Assert.DoesNotContain("LineNumber", err, StringComparison.Ordinal);
        Assert.DoesNotContain("Expected", err, StringComparison.Ordinal);
    }

    private string Fifo()
    {
        string path = Path.Combine(_dir, "fifo");
        using var p = Process.Start("mkfifo", [path]);
        p.WaitForExit();
        Assert.Equal(0, p.ExitCode);
        return path;
    }

    [Fact]
    public async Task A_fifo_as_config_is_refused_at_once_not_waited_on()
    {
        string fifo = Fifo();
        foreach (var args in (string[][])[["check-config", fifo], ["explain", "--config", fifo], ["run", "--dry-run", "--config", fifo]])
        {
            var (code, _, err) = await RunBounded(args);
            Assert.Equal(ExitCodes.NoInput, code);
            Assert.Equal($"{fifo}: cannot read the file: a FIFO, not a regular file\n", err);
        }
    }

    [Fact]
    public async Task A_device_as_config_is_refused_without_reading_it()
    {
        var (code, _, err) = await RunBounded("check-config", "/dev/zero");
        Assert.Equal(ExitCodes.NoInput, code);
        Assert.Equal("/dev/zero: cannot read the file: a character device, not a regular file\n", err);
    }

    [Fact]
    public void A_link_to_a_config_is_followed()
    {
        string target = Path.Combine(_dir, "real.toml");
        File.WriteAllText(target, "[system]\nmem_available_term = \"9%\"\n");
        string link = Path.Combine(_dir, "link.toml");
        File.CreateSymbolicLink(link, target);
        var (code, output, err) = Run("check-config", link);
        Assert.True(code == 0, err);
        Assert.Contains("mem_available_term = \"9%\"", output, StringComparison.Ordinal);
    }

    [Fact]
    public void A_config_that_is_not_utf8_is_rejected_at_the_byte()
    {
        string path = Path.Combine(_dir, "latin1.toml");
        File.WriteAllBytes(path, [.. "# ok\npreset = \"ser"u8, 0xff, .. "ver\"\n"u8]);
        var (code, _, err) = Run("check-config", path);
        Assert.Equal(ExitCodes.Config, code);
        Assert.StartsWith($"{path}:2:14: not UTF-8 (byte 0xff): a TOML file is UTF-8 text\n", err, StringComparison.Ordinal);
        Assert.DoesNotContain("UTF-16", err, StringComparison.Ordinal);
    }

    [Fact]
    public void A_newline_in_the_config_s_name_does_not_break_the_error_line()
    {
        string path = Path.Combine(_dir, "a\nb\u001b[31m.toml");
        File.WriteAllText(path, "x = \n");
        var (code, _, err) = Run("check-config", path);
        Assert.Equal(ExitCodes.Config, code);
        string shown = Path.Combine(_dir, "a\\nb\\x1b[31m.toml");
        var lines = err.TrimEnd('\n').Split('\n');
        Assert.Equal(2, lines.Length);
        Assert.All(lines, l => Assert.StartsWith(shown + ":", l, StringComparison.Ordinal));
        Assert.DoesNotContain('\u001b', err);
    }

    [Fact]
    public async Task A_fifo_or_a_device_as_snapshot_is_refused_at_once()
    {
        string fifo = Fifo();
        foreach (var (path, kind) in (ValueTuple<string, string>[])[(fifo, "a FIFO"), ("/dev/zero", "a character device")])
        {
            var (code, output, err) = await RunBounded("simulate", path);
            Assert.Equal(ExitCodes.NoInput, code);
            Assert.Equal("", output);
            Assert.Equal($"oomwarden simulate: cannot read {path}: {kind}, not a regular file\n", err);
        }
    }

    [Theory]
    [InlineData("", "empty: not a snapshot")]
    [InlineData("\n\n", "empty: not a snapshot")]
    [InlineData("\u00b6 garbage", "malformed snapshot at line 1, byte 1: not valid JSON")]
    [InlineData("{\"format\":\"oomwarden-snapshot\",\n\"version\":1,\n\"cgroups\":[{\"path\":\"/\"", "malformed snapshot at line 3, byte ")]
    [InlineData("""{"format":"oomwarden-snapshot","version":1,"cgroups":[{"path":"/","usage_bytes":"lots"}]}""", "unexpected value at $.cgroups[0].usage_bytes")]
    public void A_snapshot_that_does_not_read_says_where_in_words(string content, string message)
    {
        string path = Path.Combine(_dir, "snap.json");
        File.WriteAllText(path, content);
        var (code, _, err) = Run("simulate", path);
        Assert.Equal(ExitCodes.DataError, code);
        Assert.StartsWith($"{path}: ", err, StringComparison.Ordinal);
        Assert.Contains(message, err, StringComparison.Ordinal);
        AssertOneCleanLine(err.Replace(path, "FILE", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("status")]
    [InlineData("reload")]
    [InlineData("pause")]
    [InlineData("resume")]
    public void A_socket_path_longer_than_sun_path_is_a_usage_error(string verb)
    {
        string socket = "/" + new string('a', 107);
        var (code, _, err) = Run(verb, "--socket", socket);
        Assert.Equal(ExitCodes.Usage, code);
        Assert.StartsWith($"oomwarden {verb}: --socket: a unix socket path is at most 107 bytes, this one has 108\n", err, StringComparison.Ordinal);
    }

    /// <summary>Something else answering on the socket (or a daemon of another version): one line, exit 70 (help: "70
    /// malformed reply"), never a .NET exception's name.</summary>
    [Theory]
    [InlineData("status", """{"ok":true,"request":"status","domains":"x"}""", "the daemon's reply is not the status this client reads")]
    [InlineData("pause", """{"ok":true}""", "the daemon's reply has no was_paused")]
    [InlineData("resume", """{"ok":true,"was_paused":"yes"}""", "the daemon's reply has no was_paused")]
    public async Task A_reply_that_is_not_the_daemon_s_is_one_line_and_exit_70(string verb, string reply, string message)
    {
        string socket = Path.Combine(_dir, "s");
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(socket));
        listener.Listen(1);
        var server = Task.Run(() =>
        {
            using var client = listener.Accept();
            var buffer = new byte[4096];
            client.Receive(buffer);
            client.Send(Encoding.UTF8.GetBytes(reply + "\n"));
            client.Shutdown(SocketShutdown.Both);
        }, TestContext.Current.CancellationToken);
        var (code, _, err) = await RunBounded(verb, "--socket", socket);
        await server.WaitAsync(TimeSpan.FromMinutes(1), TestContext.Current.CancellationToken);
        Assert.Equal(ExitCodes.Software, code);
        Assert.StartsWith($"oomwarden {verb}: {message}", err, StringComparison.Ordinal);
        Assert.Single(err.TrimEnd('\n').Split('\n'));
        Assert.DoesNotContain("Exception", err, StringComparison.Ordinal);
        Assert.DoesNotContain("Arg_", err, StringComparison.Ordinal);
    }

    /// <summary>README: 71 when the host cannot be read, as doctor and bench already said; was 74 "I/O error".</summary>
    [Theory]
    [InlineData("explain")]
    [InlineData("snapshot", "-o", "-")]
    public void An_unreadable_host_exits_71_naming_the_file(string verb, params string[] more)
    {
        string missing = Path.Combine(_dir, "no-proc");
        var (code, output, err) = Run([verb, .. more, "--proc-root", missing, "--sys-root", missing]);
        Assert.Equal(ExitCodes.OsError, code);
        Assert.Equal("", output);
        Assert.StartsWith($"oomwarden {verb}: cannot read the host: ", err, StringComparison.Ordinal);
        Assert.Contains(missing, err, StringComparison.Ordinal);
        Assert.Contains("No such file or directory", err, StringComparison.Ordinal);
        AssertOneCleanLine(err);
    }

    [Fact]
    public async Task Analyze_follow_refuses_a_directory_as_the_kernel_log()
    {
        var (code, _, err) = await RunBounded("analyze", "--follow", "--kmsg", _dir);
        Assert.Equal(ExitCodes.NoInput, code);
        Assert.Equal($"oomwarden analyze: {_dir}: cannot follow: Is a directory\n", err);
    }

    [Fact]
    public void A_newline_in_a_rule_s_name_or_pattern_keeps_the_rule_table_one_row_per_rule()
    {
        string path = Path.Combine(_dir, "names.toml");
        File.WriteAllText(path, "[[rule]]\nname = \"x\\ny\"\ncomm = \"a\\u001b]0;t\\u0007b\"\npriority = 1\n");
        var (code, output, err) = Run("check-config", path);
        Assert.True(code == 0, err);
        Assert.Contains("  1  x\\ny  ", output, StringComparison.Ordinal);
        Assert.Contains("a\\x1b]0;t\\x07b", output, StringComparison.Ordinal);
        Assert.DoesNotContain('\u001b', output);
        Assert.DoesNotContain(output.Split('\n'), l => l.StartsWith('y'));
    }

    [Fact]
    public void An_escape_sequence_quoted_in_an_error_message_is_shown_escaped()
    {
        string path = Path.Combine(_dir, "glob.toml");
        File.WriteAllText(path, "[[rule]]\ncomm = \"a\\u001b[2Jb\"\npriority = 1\n");
        var (code, _, err) = Run("check-config", path);
        Assert.Equal(ExitCodes.Config, code);
        Assert.Contains("a\\x1b[2Jb", err, StringComparison.Ordinal);
        Assert.DoesNotContain('\u001b', err);
    }

    [Fact]
    public void Analyze_names_why_a_file_cannot_be_read_in_the_c_library_s_words_on_one_line()
    {
        string missing = Path.Combine(_dir, "gone\n.log");
        var (code, _, err) = Run("analyze", missing);
        Assert.Equal(ExitCodes.NoInput, code);
        Assert.Equal($"oomwarden analyze: {Path.Combine(_dir, "gone\\n.log")}: No such file or directory\n", err);
        (code, _, err) = Run("analyze", _dir);
        Assert.Equal(ExitCodes.NoInput, code);
        Assert.Equal($"oomwarden analyze: {_dir}: Is a directory\n", err);
    }
}
