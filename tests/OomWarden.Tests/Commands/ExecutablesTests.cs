using OomWarden.Commands;

namespace OomWarden.Tests.Commands;

/// <summary>Where oomwarden finds oomwardend (run execs it) and the daemon finds oomwarden (for notify-desktop and
/// oom-guard): beside itself (bin/ of the build), then the installed layout (SBINDIR and SBINDIR/../lib/oomwarden).</summary>
public sealed class ExecutablesTests
{
    [Fact]
    public void The_cli_looks_beside_itself_then_in_lib_oomwarden()
    {
        Assert.Equal(["/usr/sbin/oomwardend", "/usr/lib/oomwarden/oomwardend"], Executables.DaemonCandidates("/usr/sbin/oomwarden"));
        Assert.Equal(["/repo/bin/oomwardend", "/repo/lib/oomwarden/oomwardend"], Executables.DaemonCandidates("/repo/bin/oomwarden"));
    }

    [Fact]
    public void The_daemon_looks_beside_itself_then_in_sbin()
    {
        Assert.Equal(["/usr/lib/oomwarden/oomwarden", "/usr/sbin/oomwarden"], Executables.CliCandidates("/usr/lib/oomwarden/oomwardend"));
        Assert.Equal(["/usr/local/lib/oomwarden/oomwarden", "/usr/local/sbin/oomwarden"], Executables.CliCandidates("/usr/local/lib/oomwarden/oomwardend"));
    }

    [Fact]
    public void Each_finds_the_other_in_the_installed_layout()
    {
        Assert.Contains("/usr/local/lib/oomwarden/oomwardend", Executables.DaemonCandidates("/usr/local/sbin/oomwarden"));
        Assert.Contains("/usr/local/sbin/oomwarden", Executables.CliCandidates("/usr/local/lib/oomwarden/oomwardend"));
    }
}
