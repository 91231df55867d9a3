using OomWarden.Integration.Tests.Infrastructure;

namespace OomWarden.Integration.Tests.Commands;

/// <summary>`oomwarden analyze` with stdin a terminal and no FILE: a hint on stderr, and the terminal read as a
/// terminal (its own echo and Ctrl-D), not in .NET's console raw mode.</summary>
public sealed class TerminalStdinTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "oomwarden-terminal-" + Guid.NewGuid().ToString("N")[..8]);

    public TerminalStdinTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>`oomwarden analyze` typed at a prompt: one line on stderr says what it waits for, then Ctrl-D ends
    /// it. stdin is a pseudo-terminal (python3's pty), stdout and stderr pipes.</summary>
    [Fact]
    public void Analyze_on_a_terminal_says_it_reads_stdin_and_how_to_end()
    {
        Repo.RequireBinary();
        string script = """
            import os, pty, select, subprocess, sys
            master, slave = pty.openpty()
            p = subprocess.Popen(sys.argv[1:], stdin=slave, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            os.close(slave)
            ready, _, _ = select.select([p.stderr], [], [], 60)
            if not ready:
                p.kill()
                print("no line on stderr within 60 s", file=sys.stderr)
                sys.exit(3)
            first = p.stderr.readline()
            os.write(master, b"\x04")
            out, err = p.communicate(timeout=60)
            sys.stdout.write((first + err).decode())
            sys.exit(p.returncode)
            """;
        string path = Path.Combine(_dir, "on-a-terminal.py");
        File.WriteAllText(path, script);
        var r = Sh.Run("python3", [path, Repo.Binary, "analyze"], TimeSpan.FromMinutes(3));
        Assert.False(r.TimedOut, r.Stderr);
        Assert.True(r.ExitCode == 0, $"exit {r.ExitCode}: {r.Stdout}{r.Stderr}");
        Assert.Equal("oomwarden analyze: reading a kernel log from standard input (a terminal); end with Ctrl-D, or give a FILE\n"
            + "oomwarden analyze: no OOM event found\n", r.Stdout);
    }
}
