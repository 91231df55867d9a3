using System.Diagnostics;
using System.Text;
using OomWarden.Integration.Tests.Infrastructure;

namespace OomWarden.Integration.Tests.Commands;

/// <summary>The binary when the reader of its stdout goes away while it waits for input (`analyze --follow | head -1`,
/// `journalctl -f | oomwarden analyze | head -1`), and when its stdout is closed (`>&-`). .NET's console ignores EPIPE
/// and the runtime ignores SIGPIPE, so without a watch on stdout a follower never learns that nobody reads it.</summary>
public sealed class ClosedOutputTests : IDisposable
{
    private static readonly TimeSpan Slow = TimeSpan.FromMinutes(1);
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "oomwarden-closed-out-" + Guid.NewGuid().ToString("N")[..8]);

    public ClosedOutputTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Fixture(string name) => Path.Combine(Repo.Root, "tests", "fixtures", "oom-reports", name);

    private static Process Start(bool holdStdin, params string[] args)
    {
        var psi = new ProcessStartInfo(Repo.Binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = holdStdin,
            UseShellExecute = false,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        return Process.Start(psi)!;
    }

    private static async Task AssertEndsQuietly(Process p, Task<string> stderr, string what)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(Slow);
        bool exited = true;
        try
        {
            await p.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            exited = false;
            p.Kill(entireProcessTree: true);
            await p.WaitForExitAsync(TestContext.Current.CancellationToken);
        }
        string err = await stderr;
        Assert.True(exited, $"{what}: still running {Slow.TotalSeconds} s after its reader went away; stderr: {err}");
        Assert.True(p.ExitCode == 0, $"{what}: exit {p.ExitCode}; stderr: {err}");
        Assert.DoesNotContain("   at ", err, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", err, StringComparison.Ordinal);
    }

    /// <summary>Polls until the process has <paramref name="path"/> open: the follower seeks to the end at open, so
    /// what is appended before that is history, not an event.</summary>
    private static void WaitUntilOpen(Process p, string path)
    {
        var deadline = DateTime.UtcNow + Slow;
        while (DateTime.UtcNow < deadline && !p.HasExited)
        {
            try
            {
                foreach (var fd in Directory.GetFiles($"/proc/{p.Id}/fd"))
                {
                    if (new FileInfo(fd).LinkTarget == path) return;
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
            Thread.Sleep(50);
        }
        Assert.Fail($"the follower never opened {path}");
    }

    [Fact]
    public async Task Analyze_follow_ends_when_the_reader_of_its_stdout_goes_away()
    {
        Repo.RequireBinary();
        string log = Path.Combine(_dir, "kmsg.log");
        File.WriteAllText(log, "");
        using var p = Start(false, "analyze", "--follow", "--kmsg", log);
        var stderr = p.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        try
        {
            WaitUntilOpen(p, log);
            File.AppendAllText(log, File.ReadAllText(Fixture("k6.18-memcg-v1.kmsg.log")), Encoding.UTF8);
            string? first = await p.StandardOutput.ReadLineAsync(TestContext.Current.CancellationToken).AsTask().WaitAsync(Slow, TestContext.Current.CancellationToken);
            Assert.False(string.IsNullOrEmpty(first), "the follower printed no report: " + (p.HasExited ? await stderr : ""));
            p.StandardOutput.Close(); // `| head -1` exits
            await AssertEndsQuietly(p, stderr, "analyze --follow");
        }
        finally
        {
            if (!p.HasExited) p.Kill(entireProcessTree: true);
        }
    }

    /// <summary>stdin a pipe that stays open (`journalctl -f | oomwarden analyze | head -1`) and nothing ever written:
    /// the verb waits in read(2), and still ends once nobody reads its output.</summary>
    [Fact]
    public async Task Analyze_reading_an_open_pipe_ends_when_the_reader_of_its_stdout_goes_away()
    {
        Repo.RequireBinary();
        using var p = Start(true, "analyze", "--json");
        var stderr = p.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        try
        {
            p.StandardOutput.Close();
            await AssertEndsQuietly(p, stderr, "analyze with stdin open");
        }
        finally
        {
            if (!p.HasExited) p.Kill(entireProcessTree: true);
            p.StandardInput.Close();
        }
    }

    /// <summary>With descriptor 1 closed, Console.Error's dup(2) took number 1, and `snapshot -o -` wrote the
    /// snapshot to stderr. Now a closed stdout loses the output (exit 0), as for the other verbs.</summary>
    [Fact]
    public void Snapshot_to_a_closed_stdout_writes_nothing_to_stderr()
    {
        Repo.RequireBinary();
        var r = Sh.Run("bash", ["--norc", "-c", $"'{Repo.Binary}' snapshot -o - >&-"], Slow);
        Assert.False(r.TimedOut);
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.DoesNotContain("oomwarden-snapshot", r.Stderr, StringComparison.Ordinal);
        Assert.Equal("", r.Stderr);
    }
}
