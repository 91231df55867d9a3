using OomWarden.Integration.Tests.Infrastructure;

namespace OomWarden.Integration.Tests.Commands;

/// <summary>The binary with its standard descriptors closed (`>&-`, `<&-`) or its reader gone (`| head -1`): one line
/// or nothing, the exit code the docs give, never a .NET stack trace (the NativeAOT runtime prints one for an exception
/// no verb catches, and .NET throws from Console.Out when descriptor 1 is closed).</summary>
public sealed class StandardStreamsTests
{
    private static readonly TimeSpan Slow = TimeSpan.FromMinutes(2);

    private static Sh.Result Bash(string script)
    {
        var r = Sh.Run("bash", ["--norc", "-c", script], Slow);
        Assert.False(r.TimedOut, script);
        Assert.DoesNotContain("Unhandled exception", r.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", r.Stderr, StringComparison.Ordinal);
        return r;
    }

    [Theory]
    [InlineData("version", 0)]
    [InlineData("check-config", 0)]
    [InlineData("import earlyoom -m 5", 0)]
    [InlineData("simulate tests/fixtures/snapshots/workstation.json", 0)]
    public void A_closed_stdout_loses_the_output_not_the_verb(string args, int exit)
    {
        Repo.RequireBinary();
        var r = Bash($"cd '{Repo.Root}' && '{Repo.Binary}' {args} >&-");
        Assert.True(r.ExitCode == exit, r.Stderr);
    }

    [Fact]
    public void Analyze_with_stdin_closed_says_so_in_one_line()
    {
        Repo.RequireBinary();
        var r = Bash($"'{Repo.Binary}' analyze <&-");
        Assert.Equal(66, r.ExitCode);
        Assert.Equal("oomwarden analyze: stdin: Bad file descriptor\n", r.Stderr);
    }

    [Theory]
    [InlineData("simulate tests/fixtures/snapshots/workstation.json")]
    [InlineData("check-config deploy/oomwarden.toml")]
    [InlineData("--help")]
    [InlineData("analyze --json tests/fixtures/oom-reports/derived-k6.1-global.mail-quoted.log tests/fixtures/oom-reports/derived-k6.1-global.mail-quoted.log")]
    public void A_reader_that_goes_away_ends_the_output_quietly(string args)
    {
        Repo.RequireBinary();
        var r = Bash($"cd '{Repo.Root}' && set -o pipefail; '{Repo.Binary}' {args} | head -c 1 >/dev/null");
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Equal("", r.Stderr);
    }

    /// <summary>As nobody, a file below a directory it cannot search (/root, 0700) is "Permission denied", not "no such
    /// file"; a config or a snapshot without read permission is too, each with 66.</summary>
    [Fact]
    public void An_unreadable_input_says_permission_denied_as_nobody()
    {
        Repo.RequireBinary();
        if (!Sh.IsRoot) Assert.Skip("needs root to run the binary as nobody with setpriv");
        string dir = Path.Combine(Path.GetTempPath(), "oomwarden-noperm-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        try
        {
            string file = Path.Combine(dir, "secret");
            File.WriteAllText(file, "x");
            File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            File.SetUnixFileMode(dir, (UnixFileMode)0x1ed); // 0755
            string nobody = "setpriv --reuid=65534 --regid=65534 --clear-groups";
            foreach (var (args, expected) in (ValueTuple<string, string>[])[
                ("analyze /root/oomwarden-test-absent.log", "oomwarden analyze: /root/oomwarden-test-absent.log: Permission denied\n"),
                ($"analyze {file}", $"oomwarden analyze: {file}: Permission denied\n"),
                ($"check-config {file}", $"{file}: cannot read the file: Permission denied\n"),
                ($"simulate {file}", $"oomwarden simulate: cannot read {file}: Permission denied\n")])
            {
                var r = Bash($"{nobody} '{Repo.Binary}' {args}");
                Assert.True(r.ExitCode == 66, args + ": " + r.Stderr);
                Assert.Equal(expected, r.Stderr);
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
