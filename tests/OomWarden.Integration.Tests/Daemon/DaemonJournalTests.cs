using OomWarden.Integration.Tests.Infrastructure;

namespace OomWarden.Integration.Tests.Daemon;

/// <summary>The real binary refuses a journal path that is not a regular file: exit 73 at start with one line,
/// no stack trace, nothing written through a link, no hang on a FIFO.</summary>
public sealed class DaemonJournalTests : IDisposable
{
    private readonly string _dir = TestHelpers.NewTempDirectory("oomwarden-it");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private Sh.Result RunDaemon(string events)
    {
        Repo.RequireBinary();
        string config = new ConfinedConfig(_dir) { Events = events }.Write();
        return Sh.Run(Repo.Binary, ["run", "--dry-run", "--no-mlock", "--config", config, "--events", events], TimeSpan.FromSeconds(30));
    }

    [Fact]
    public void A_symlink_at_the_journal_path_is_refused_and_its_target_unchanged()
    {
        string target = Path.Combine(_dir, "passwd");
        File.WriteAllText(target, "root:x:0:0:root:/root:/bin/bash\n");
        string link = Path.Combine(_dir, "events.jsonl");
        File.CreateSymbolicLink(link, target);

        var r = RunDaemon(link);

        Assert.Equal(73, r.ExitCode);
        Assert.Contains("is a symbolic link; refusing to follow it", r.Stderr);
        Assert.DoesNotContain("   at ", r.Stderr);
        Assert.Equal("root:x:0:0:root:/root:/bin/bash\n", File.ReadAllText(target));
    }

    [Fact]
    public void A_fifo_at_the_journal_path_is_refused_without_hanging()
    {
        string fifo = Path.Combine(_dir, "events.jsonl");
        Assert.Equal(0, Sh.Run("mkfifo", [fifo], TimeSpan.FromSeconds(10)).ExitCode);

        var r = RunDaemon(fifo);

        Assert.False(r.TimedOut, "the daemon hung on a FIFO");
        Assert.Equal(73, r.ExitCode);
        Assert.Contains("FIFO", r.Stderr);
    }

    [Theory]
    [InlineData("/dev/null", "character device")]
    [InlineData("DIR", "directory")]
    public void A_device_or_a_directory_is_refused(string path, string what)
    {
        var r = RunDaemon(path == "DIR" ? _dir : path);

        Assert.Equal(73, r.ExitCode);
        Assert.Contains(what, r.Stderr);
    }
}
