using System.Diagnostics;
using OomWarden.Core.Model;
using OomWarden.Core.Policy;
using OomWarden.Linux.Actions;
using OomWarden.Linux.Parsing;
using OomWarden.Linux.Processes;

namespace OomWarden.Linux.Tests.Actions;

/// <summary>ProcessKiller on real child processes: verified pidfd signals, escalation, recycled identities.</summary>
public sealed class ProcessKillerTests
{
    private static readonly ProcessReader Reader = new(HostPaths.Default, CgroupVersion.None);
    private static readonly ProcessKiller Killer = new(Reader.TryReadIdentity);

    private static Process Spawn(string script)
    {
        var p = Process.Start(new ProcessStartInfo("/bin/sh", ["-c", script]) { RedirectStandardOutput = true })!;
        // The script prints once its trap is installed, so a SIGTERM cannot race the trap.
        Assert.Equal("ready", p.StandardOutput.ReadLine());
        return p;
    }

    private static ulong StartTime(int pid)
    {
        Assert.True(Reader.TryReadIdentity(pid, out ulong t));
        return t;
    }

    [Fact]
    public void Sigterm_ends_a_cooperative_process_without_escalation()
    {
        using var p = Spawn("echo ready; exec sleep 60");
        var outcome = Killer.Kill(p.Id, StartTime(p.Id), Signals.SigTerm, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(5), true, null);
        Assert.Equal(KillResult.Exited, outcome.Result);
        Assert.Equal(Signals.SigTerm, outcome.LastSignal);
        Assert.False(outcome.Escalated);
        Assert.True(p.WaitForExit(5000));
    }

    [Fact]
    public void A_process_ignoring_sigterm_gets_sigkill_after_the_grace_time()
    {
        using var p = Spawn("trap '' TERM; echo ready; while :; do sleep 1; done");
        var sw = Stopwatch.StartNew();
        var outcome = Killer.Kill(p.Id, StartTime(p.Id), Signals.SigTerm, TimeSpan.FromMilliseconds(300), TimeSpan.FromSeconds(5), true, null);
        Assert.Equal(KillResult.Exited, outcome.Result);
        Assert.True(outcome.Escalated);
        Assert.Equal(Signals.SigKill, outcome.LastSignal);
        Assert.True(sw.Elapsed >= TimeSpan.FromMilliseconds(300));
        Assert.True(p.WaitForExit(5000));
        Assert.Equal(137, p.ExitCode);
    }

    [Fact]
    public void Escalates_at_once_when_memory_reaches_the_kill_level()
    {
        using var p = Spawn("trap '' TERM; echo ready; while :; do sleep 1; done");
        int polls = 0;
        var outcome = Killer.Kill(p.Id, StartTime(p.Id), Signals.SigTerm, TimeSpan.FromMinutes(5), TimeSpan.FromSeconds(5), true,
            escalateNow: () => ++polls >= 3);
        Assert.Equal(KillResult.Exited, outcome.Result);
        Assert.True(outcome.Escalated);
        Assert.True(outcome.Elapsed < TimeSpan.FromMinutes(1));
    }

    [Fact]
    public void A_different_start_time_means_another_process_and_nothing_is_sent()
    {
        using var p = Spawn("echo ready; exec sleep 60");
        var outcome = Killer.Kill(p.Id, StartTime(p.Id) + 1, Signals.SigKill, TimeSpan.Zero, TimeSpan.FromSeconds(1), true, null);
        Assert.Equal(KillResult.Vanished, outcome.Result);
        Assert.Equal(0, outcome.LastSignal);
        Assert.False(p.WaitForExit(300));
        p.Kill();
    }

    [Fact]
    public void A_pid_that_is_gone_is_vanished_not_an_error()
    {
        using var p = Spawn("echo ready; exit 0");
        ulong start = Reader.TryReadIdentity(p.Id, out ulong t) ? t : 0;
        p.WaitForExit();
        var outcome = Killer.Kill(p.Id, start, Signals.SigTerm, TimeSpan.Zero, TimeSpan.FromSeconds(1), true, null);
        Assert.Equal(KillResult.Vanished, outcome.Result);
        Assert.Null(outcome.Error);
    }
}
