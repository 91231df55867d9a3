using OomWarden.Core.Doctor;
using OomWarden.Core.Model;

namespace OomWarden.Core.Tests.Doctor;

public sealed class ProcessChecksTests
{
    private static DoctorProcess P(string comm, string? exe, string? cmdline, int pid = 10) => new(pid, comm, exe, cmdline, 0, 1 << 20);

    [Theory]
    [InlineData("earlyoom", "/usr/bin/earlyoom", "/usr/bin/earlyoom -m 10", "earlyoom")]
    [InlineData("earlyoom", "/usr/bin/earlyoom (deleted)", "earlyoom", "earlyoom")]
    [InlineData("systemd-oomd", "/usr/lib/systemd/systemd-oomd", "/usr/lib/systemd/systemd-oomd", "systemd-oomd")]
    [InlineData("nohang", "/usr/bin/python3.11", "python3 -u /usr/sbin/nohang --monitor", "nohang")]
    [InlineData("earlyoom", "/usr/bin/bash", "bash earlyoom", null)]
    [InlineData("python3", "/usr/bin/python3.11", "python3 /opt/app/server.py", null)]
    [InlineData("x", null, null, null)]
    public void Other_killers_are_known_by_their_executable(string comm, string? exe, string? cmdline, string? expected)
    {
        Assert.Equal(expected, ProcessChecks.OtherKiller(P(comm, exe, cmdline)));
    }

    [Fact]
    public void The_daemon_is_the_run_verb_of_an_oomwarden_executable_other_than_doctor_itself()
    {
        Assert.True(ProcessChecks.IsDaemon(P("oomwarden", "/usr/sbin/oomwarden", "/usr/sbin/oomwarden run --dry-run"), selfPid: 1));
        Assert.False(ProcessChecks.IsDaemon(P("oomwarden", "/usr/sbin/oomwarden", "oomwarden doctor"), selfPid: 1));
        Assert.False(ProcessChecks.IsDaemon(P("oomwarden", "/usr/sbin/oomwarden", "oomwarden run", pid: 7), selfPid: 7));
        Assert.False(ProcessChecks.IsDaemon(P("oomwarden", "/usr/bin/sleep", "oomwarden run"), selfPid: 1));
        Assert.True(ProcessChecks.IsDaemon(P("oomwardend", "/usr/lib/oomwarden/oomwardend", "/usr/sbin/oomwarden run --dry-run"), selfPid: 1));
        Assert.False(ProcessChecks.IsDaemon(P("oomwardend", "/usr/lib/oomwarden/oomwardend", "/usr/sbin/oomwarden doctor"), selfPid: 1));
    }

    [Fact]
    public void An_unlimited_cgroup_under_a_limited_one_is_not_named()
    {
        var facts = new HostFacts
        {
            Cgroups = CgroupSetup.V2,
            Memory = new MemoryInfo(100L << 30, 0, 0, 0, 0, 0, 0, 0, 0),
            MemoryCgroups =
            [
                new DoctorCgroup("/a", 80L << 30, 90L << 30),
                new DoctorCgroup("/a/b", 70L << 30, CgroupMemory.Unlimited),
                new DoctorCgroup("/c", 10L << 30, CgroupMemory.Unlimited),
            ],
        };
        Assert.Equal(FindingStatus.Ok, ProcessChecks.UnlimitedCgroups(facts).Status);
        var unlimited = facts with { MemoryCgroups = [new DoctorCgroup("/ab", 70L << 30, CgroupMemory.Unlimited), new DoctorCgroup("/a", 1, 2)] };
        var finding = ProcessChecks.UnlimitedCgroups(unlimited);
        Assert.Equal(FindingStatus.Warning, finding.Status);
        Assert.Contains("/ab (70.0 GiB, 70.0%)", finding.Summary);
    }
}
