using System.Diagnostics;
using OomWarden.Commands;

namespace OomWarden.Tests.Commands;

/// <summary>The findings of the CLI audit that run on fixtures: a number flag given a word, a state file that is a
/// FIFO or a device, an output path that is not a regular file. Each is one line naming what is wrong, with the
/// sysexits code, and never waits on a FIFO nor replaces a device.</summary>
public sealed class CarelessArgumentsTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "oomwarden-careless-args-" + Guid.NewGuid().ToString("N")[..8]);

    public CarelessArgumentsTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        int code = Cli.Run(args, new StringReader(""), o, e);
        return (code, o.ToString(), e.ToString());
    }

    /// <summary>On a thread of its own: a verb that blocks (a FIFO's open) fails the test instead of hanging it.</summary>
    private static async Task<(int Code, string Out, string Err)> RunBounded(params string[] args)
    {
        var task = Task.Run(() => Run(args), TestContext.Current.CancellationToken);
        var done = await Task.WhenAny(task, Task.Delay(TimeSpan.FromMinutes(2), TestContext.Current.CancellationToken));
        Assert.True(done == task, $"oomwarden {string.Join(' ', args)} blocked");
        return await task;
    }

    private string Make(string tool, string name, params string[] args)
    {
        string path = Path.Combine(_dir, name);
        using var p = Process.Start(tool, [.. args.Select(a => a == "PATH" ? path : a)]);
        p.WaitForExit();
        Assert.Equal(0, p.ExitCode);
        return path;
    }

    [Theory]
    [InlineData("--uid", "x", "user")]
    [InlineData("--uid", "-1", "user")]
    [InlineData("--uid", "4294967295", "user")]
    [InlineData("--uid", "99999999999", "user")]
    [InlineData("--gid", "1e3", "group")]
    [InlineData("--gid", " 7", "group")]
    public void Notify_desktop_names_the_id_flag_and_its_bad_value_in_one_line(string flag, string value, string what)
    {
        string[] args = ["notify-desktop", "--uid", "1000", "--gid", "1000", "--bus", "/nonexistent/bus", "--summary", "s"];
        args[Array.IndexOf(args, flag) + 1] = value;
        var (code, output, err) = Run(args);
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Equal("", output);
        Assert.Equal($"oomwarden notify-desktop: {flag} '{value}' is not a {what} id (a decimal number below 4294967295)\n", err);
    }

    [Fact]
    public void Notify_desktop_escapes_a_control_character_in_the_bad_value()
    {
        var (code, _, err) = Run("notify-desktop", "--uid", "1\n\u001b[31m", "--gid", "1", "--bus", "/nonexistent/bus", "--summary", "s");
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Equal("oomwarden notify-desktop: --uid '1\\n\\x1b[31m' is not a user id (a decimal number below 4294967295)\n", err);
    }

    [Fact]
    public async Task Restore_oom_settings_refuses_a_state_file_that_is_not_a_regular_file_with_66()
    {
        string fifo = Make("mkfifo", "fifo", "PATH");
        string target = Path.Combine(_dir, "target");
        File.WriteAllText(target, "");
        string link = Path.Combine(_dir, "link");
        File.CreateSymbolicLink(link, target);
        foreach (var (path, why) in (ValueTuple<string, string>[])[
            (fifo, $"{fifo} is a FIFO, not a regular file; not reading it"),
            (_dir, $"{_dir} is a directory, not a regular file; not reading it"),
            ("/dev/zero", "/dev/zero is a character device, not a regular file; not reading it"),
            (link, $"{link} is a symbolic link, not a regular file; not reading it")])
        {
            var (code, output, err) = await RunBounded("restore-oom-settings", "--state", path);
            Assert.True(code == ExitCodes.NoInput, $"{path}: exit {code}: {err}");
            Assert.Equal("", output);
            Assert.Equal($"oomwarden restore-oom-settings: {why}\n", err);
        }
        Assert.True(File.Exists(link), "the planted link is left as it is");
    }

    [Fact]
    public void Restore_oom_settings_with_no_state_file_has_nothing_to_do()
    {
        var (code, output, err) = Run("restore-oom-settings", "--state", Path.Combine(_dir, "absent.state"));
        Assert.True(code == ExitCodes.Ok, err);
        Assert.Equal("", output + err);
    }

    /// <summary>The snapshot is renamed over the output: as root that replaced a device node or a FIFO by a regular
    /// file (`-o /dev/null`), and a link by the file. A device made here (mknod, as root), never the host's.</summary>
    [Fact]
    public async Task Snapshot_never_replaces_an_output_that_is_not_a_regular_file()
    {
        string fifo = Make("mkfifo", "fifo", "PATH");
        string sub = Path.Combine(_dir, "sub");
        Directory.CreateDirectory(sub);
        string target = Path.Combine(_dir, "target.json");
        File.WriteAllText(target, "old");
        string link = Path.Combine(_dir, "link.json");
        File.CreateSymbolicLink(link, target);
        var cases = new List<(string Path, string Kind)> { (fifo, "a FIFO"), (sub, "a directory"), (link, "a symbolic link") };
        string? device = Environment.UserName == "root" ? Make("mknod", "null", "PATH", "c", "1", "3") : null;
        if (device is not null) cases.Add((device, "a character device"));
        foreach (var (path, kind) in cases)
        {
            var (code, _, err) = await RunBounded("snapshot", "-o", path);
            Assert.True(code == ExitCodes.CantCreate, $"{path}: exit {code}: {err}");
            Assert.Equal($"oomwarden snapshot: cannot write {path}: {kind}, not a regular file (not replaced)\n", err);
        }
        Assert.Equal(0x1000, FileTypeOf(fifo));
        if (device is not null) Assert.Equal(0x2000, FileTypeOf(device));
        Assert.Equal("old", File.ReadAllText(target));
        Assert.NotNull(new FileInfo(link).LinkTarget);
        Assert.Empty(Directory.GetFiles(_dir, "*.tmp.*"));
    }

    /// <summary>The S_IFMT bits of the path itself (lstat), through stat(1).</summary>
    private static int FileTypeOf(string path)
    {
        var psi = new ProcessStartInfo("stat", ["-c", "%f", path]) { RedirectStandardOutput = true };
        using var p = Process.Start(psi)!;
        string hex = p.StandardOutput.ReadToEnd().Trim();
        p.WaitForExit();
        return Convert.ToInt32(hex, 16) & 0xF000;
    }
}
