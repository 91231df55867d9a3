using OomWarden.Linux.Interop;
using OomWarden.Linux.Notify;

namespace OomWarden.Linux.Tests.Notify;

/// <summary>The oom_delay guard's transport: a child with a pipe on its stdin and the rest of this process (environment,
/// stdout, stderr, process group), written to without blocking, closed, waited for, killed and reaped.</summary>
public sealed class PipedChildTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "oomwarden-piped-" + Guid.NewGuid().ToString("N")[..8]);

    public PipedChildTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static bool Reaped(int pid) => !Directory.Exists("/proc/" + pid);

    /// <summary>Process group of a /proc/PID/stat text: the third field after the command's closing parenthesis.</summary>
    private static string Pgrp(string stat) => stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[2];

    [Fact]
    public void What_is_written_reaches_the_child_and_closing_lets_it_finish()
    {
        string file = Path.Combine(_dir, "out");
        var child = PipedChild.TryStart(["/bin/sh", "-c", "cat > \"$0\"", file], out int errno);
        Assert.True(child is not null, Errno.Describe(errno));
        Assert.True(child.TryWrite("heart"u8, out errno), Errno.Describe(errno));
        Assert.True(child.TryWrite("beat"u8, out errno), Errno.Describe(errno));
        child.Close(TimeSpan.FromSeconds(30));
        Assert.Equal("heartbeat", File.ReadAllText(file));
        Assert.True(Reaped(child.Pid));
        Assert.False(child.TryWrite("."u8, out errno));
        child.Close(TimeSpan.FromSeconds(1)); // a second close does nothing
    }

    [Fact]
    public void The_child_has_this_process_environment_and_process_group()
    {
        string env = Path.Combine(_dir, "path"), stat = Path.Combine(_dir, "stat");
        using (var child = PipedChild.TryStart(["/bin/sh", "-c", "printf %s \"$PATH\" > \"$0\"; cat /proc/$$/stat > \"$1\"", env, stat], out int errno))
        {
            Assert.True(child is not null, Errno.Describe(errno));
            child.Close(TimeSpan.FromSeconds(30));
        }
        Assert.False(string.IsNullOrEmpty(Environment.GetEnvironmentVariable("PATH")));
        Assert.Equal(Environment.GetEnvironmentVariable("PATH"), File.ReadAllText(env));
        Assert.Equal(Pgrp(File.ReadAllText("/proc/self/stat")), Pgrp(File.ReadAllText(stat)));
    }

    [Fact]
    public void A_child_that_does_not_read_gets_EAGAIN_then_is_killed_and_reaped_at_close()
    {
        var child = PipedChild.TryStart(["/bin/sleep", "600"], out int errno);
        Assert.True(child is not null, Errno.Describe(errno));
        var block = new byte[4096];
        int writes = 0;
        while (child.TryWrite(block, out errno) && writes < 10_000) writes++;
        Assert.Equal(Errno.EAGAIN, errno); // the pipe filled up; the write never blocked
        child.Close(TimeSpan.FromMilliseconds(100));
        Assert.True(Reaped(child.Pid));
    }

    [Fact]
    public void Writing_to_a_child_that_exited_is_EPIPE()
    {
        using var child = PipedChild.TryStart(["/bin/true"], out int errno);
        Assert.True(child is not null, Errno.Describe(errno));
        // Zombie until reaped: its stat says Z once it exited.
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (File.ReadAllText($"/proc/{child.Pid}/stat") is var s && s[(s.LastIndexOf(')') + 2)] != 'Z' && DateTime.UtcNow < until)
            Thread.Sleep(10);
        Assert.False(child.TryWrite("."u8, out errno));
        Assert.Equal(Errno.EPIPE, errno);
    }

    [Fact]
    public void A_program_that_does_not_exist_is_not_started()
    {
        var child = PipedChild.TryStart([Path.Combine(_dir, "no-such-program")], out int errno);
        Assert.Null(child);
        Assert.Equal(Errno.ENOENT, errno);
    }
}
