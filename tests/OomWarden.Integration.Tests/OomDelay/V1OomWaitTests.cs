using System.Diagnostics;
using Microsoft.Extensions.Time.Testing;
using OomWarden.Core.Engine;
using OomWarden.Core.Settings;
using OomWarden.Integration.Tests.Infrastructure;
using OomWarden.Linux.Loop;
using OomWarden.Linux.OomDelay;

namespace OomWarden.Integration.Tests.OomDelay;

/// <summary><see cref="V1OomWait"/> stepped by hand on a real v1 memory cgroup, its delay on a fake clock. The hog
/// that waits under OOM is SIGSTOPped before the release: when oom_kill_disable 0 wakes it, it leaves the kernel's
/// wait (under_oom 0) but cannot come back to the OOM path until SIGCONT. That is the window a busy host gives any
/// woken task between its wake-up and its next OOM (its reclaim retries, a run queue), held open as long as the test
/// likes. A switch back to 1 inside it would make the task wait again, with nobody killed.</summary>
public sealed class V1OomWaitTests
{
    private const long Limit = 64L << 20;
    private static readonly TimeSpan Delay = TimeSpan.FromSeconds(3);

    [Fact]
    public void After_the_release_the_switch_stays_off_until_the_kernel_has_killed()
    {
        using var t = Released();
        // The hog left the wait but has not come back: not under OOM, no kill yet.
        Assert.Null(t.Wait.Step(t.Time.GetTimestamp()));
        Assert.Equal("0", t.Field("oom_kill_disable"));

        Signals.Send(t.Hog.Id, 18);  // SIGCONT: it faults again, now with oom_kill_disable 0
        Assert.True(t.Hog.WaitForExit(TimeSpan.FromSeconds(20)), "the hog still runs: " + t.Cg.Read("memory.oom_control"));
        Assert.Equal(137, t.Hog.ExitCode);  // SIGKILL, from the kernel: oomwarden signals nothing here
        Assert.Equal(1, t.Cg.KernelOomKills());
        t.Time.Advance(TimeSpan.FromMilliseconds(40));
        string? line = t.Wait.Step(t.Time.GetTimestamp());
        Assert.NotNull(line);
        Assert.Contains("the kernel's OOM killer killed 1 task(s) 40 ms after oom_kill_disable 0; oom_kill_disable 1 again", line);
        Assert.Equal("1", t.Field("oom_kill_disable"));
    }

    [Fact]
    public void With_nobody_under_OOM_for_a_whole_delay_after_the_release_the_switch_goes_back_without_a_kill()
    {
        using var t = Released();
        t.Time.Advance(Delay - TimeSpan.FromMilliseconds(1));
        Assert.Null(t.Wait.Step(t.Time.GetTimestamp()));
        Assert.Equal("0", t.Field("oom_kill_disable"));
        t.Time.Advance(TimeSpan.FromMilliseconds(1));
        string? line = t.Wait.Step(t.Time.GetTimestamp());
        Assert.NotNull(line);
        Assert.Contains("out of OOM, no kernel kill in 3000 ms after oom_kill_disable 0; oom_kill_disable 1 again", line);
        Assert.Equal("1", t.Field("oom_kill_disable"));
        Assert.Equal(0, t.Cg.KernelOomKills());
        Assert.False(t.Hog.HasExited);
    }

    /// <summary>An uncharge (a holder's exit) wakes the stopped hog out of its wait: under_oom 0, the wait is no
    /// longer served. Back under OOM within <see cref="OomEpisode.LeaveAfter"/>, it is the same episode: the release
    /// comes at the first event's deadline, not a whole delay after the return.</summary>
    [Fact]
    public void A_waiter_woken_by_an_uncharge_and_back_under_OOM_keeps_the_episode_s_deadline()
    {
        using var t = Waiting(holderMiB: 8);
        Signals.Send(t.Holder!.Id, 9);
        Assert.True(t.Holder.WaitForExit(TimeSpan.FromSeconds(10)));
        Assert.True(Poll.Until(() => t.Field("under_oom") == "0" && ProcStat.State(t.Hog.Id) == 'T', TimeSpan.FromSeconds(5)),
            $"the uncharge did not wake the hog: state {ProcStat.State(t.Hog.Id)}, {t.Cg.Read("memory.oom_control")}");
        t.Time.Advance(TimeSpan.FromMilliseconds(500));
        Assert.Null(t.Wait.Step(t.Time.GetTimestamp()));
        Assert.Null(t.Domain.OomWait);

        Signals.Send(t.Hog.Id, 18);  // SIGCONT: it takes the holder's 8 MiB and is short again
        Assert.True(Poll.Until(() => t.Field("under_oom") == "1" && ProcStat.State(t.Hog.Id) == 'D', TimeSpan.FromSeconds(10)),
            "the hog did not come back under OOM: " + t.Cg.Read("memory.oom_control"));
        t.Time.Advance(TimeSpan.FromMilliseconds(100));
        Assert.Null(t.Wait.Step(t.Time.GetTimestamp()));
        Assert.NotNull(t.Domain.OomWait);  // served again

        t.Time.Advance(Delay - TimeSpan.FromMilliseconds(600));  // the first event's deadline
        string? line = t.Wait.Step(t.Time.GetTimestamp());
        Assert.NotNull(line);
        Assert.Contains("still under OOM after oom_delay 3s: oom_kill_disable 0", line);
        Assert.True(t.Hog.WaitForExit(TimeSpan.FromSeconds(20)), "the kernel did not kill the hog");
        Assert.Equal(1, t.Cg.KernelOomKills());
    }

    /// <summary>Woken and not back under OOM (its memory came back): the episode is over after
    /// <see cref="OomEpisode.LeaveAfter"/>, and a later event starts a new one with a whole delay.</summary>
    [Fact]
    public void A_waiter_that_stays_out_of_OOM_ends_the_episode_after_a_second()
    {
        using var t = Waiting(holderMiB: 8);
        Signals.Send(t.Holder!.Id, 9);
        Assert.True(t.Holder.WaitForExit(TimeSpan.FromSeconds(10)));
        Assert.True(Poll.Until(() => t.Field("under_oom") == "0", TimeSpan.FromSeconds(5)), t.Cg.Read("memory.oom_control"));
        t.Time.Advance(TimeSpan.FromMilliseconds(100));
        Assert.Null(t.Wait.Step(t.Time.GetTimestamp()));
        t.Time.Advance(OomEpisode.LeaveAfter - TimeSpan.FromMilliseconds(1));
        Assert.Null(t.Wait.Step(t.Time.GetTimestamp()));
        t.Time.Advance(TimeSpan.FromMilliseconds(1));
        string? line = t.Wait.Step(t.Time.GetTimestamp());
        Assert.NotNull(line);
        Assert.Contains("out of OOM after 100 ms", line);
        Assert.Equal("1", t.Field("oom_kill_disable"));
        Assert.Equal(0, t.Cg.KernelOomKills());
    }

    /// <summary>A hog under OOM behind oom_kill_disable 1 (beside a holder of <paramref name="holderMiB"/>, if any),
    /// stopped in the kernel's wait: the wait's first step has taken the OOM event.</summary>
    private static Setup Waiting(int holderMiB = 0)
    {
        V1MemoryCgroup.Require();
        var t = new Setup(V1MemoryCgroup.Create("oomwarden-oomwait", Limit));
        try
        {
            Assert.True(t.Wait.TryApply(out string? error), error);
            Assert.Equal("1", t.Field("oom_kill_disable"));
            if (holderMiB > 0)
            {
                t.Holder = t.Cg.Start(TestHelpers.Hog, "-s", holderMiB.ToString(System.Globalization.CultureInfo.InvariantCulture), "-L", "60");
                Assert.StartsWith("READY", t.Holder.StandardOutput.ReadLine());
                string? held;
                do held = t.Holder.StandardOutput.ReadLine();
                while (held is not null && !held.StartsWith("HOLD", StringComparison.Ordinal));
                Assert.NotNull(held);
            }
            t.Hog = t.Cg.Start(TestHelpers.Hog, "-s", "128", "-L", "60");
            Assert.StartsWith("READY", t.Hog.StandardOutput.ReadLine());

            // The OOM eventfd wakes the loop; the step then finds under_oom 1.
            string? line = null;
            var sw = Stopwatch.StartNew();
            while (line is null && sw.Elapsed < TimeSpan.FromSeconds(20))
            {
                t.Loop.RunOnce(TimeSpan.FromMilliseconds(100));
                line = t.Wait.Step(t.Time.GetTimestamp());
            }
            Assert.True(line is not null, "never under OOM: " + t.Cg.Read("memory.oom_control"));
            Assert.Contains("under OOM, the kernel waits for oomwarden (oom_kill_disable 1) for at most 3s", line);
            Assert.NotNull(t.Domain.OomWait);

            Signals.Send(t.Hog.Id, 19);  // SIGSTOP: a killable sleep is not woken by it; the hog stays in the wait
            Assert.True(Poll.Until(() => t.Field("under_oom") == "1" && ProcStat.State(t.Hog.Id) == 'D', TimeSpan.FromSeconds(5)),
                "the hog left the wait: " + t.Cg.Read("memory.oom_control"));
            return t;
        }
        catch
        {
            t.Dispose();
            throw;
        }
    }

    /// <summary>As <see cref="Waiting"/>, and the delay over: the wait has written oom_kill_disable 0, and the kernel
    /// has woken the hog out of its wait.</summary>
    private static Setup Released()
    {
        var t = Waiting();
        try
        {
            t.Time.Advance(Delay - TimeSpan.FromMilliseconds(1));
            Assert.Null(t.Wait.Step(t.Time.GetTimestamp()));
            t.Time.Advance(TimeSpan.FromMilliseconds(1));
            string? line = t.Wait.Step(t.Time.GetTimestamp());
            Assert.NotNull(line);
            Assert.Contains("still under OOM after oom_delay 3s: oom_kill_disable 0, the kernel's OOM killer decides", line);
            Assert.Equal("0", t.Field("oom_kill_disable"));
            Assert.Null(t.Domain.OomWait);
            // Woken by the release, the hog leaves the wait and stops at its return to user space.
            Assert.True(Poll.Until(() => t.Field("under_oom") == "0" && ProcStat.State(t.Hog.Id) == 'T', TimeSpan.FromSeconds(5)),
                $"the hog did not leave the wait: state {ProcStat.State(t.Hog.Id)}, {t.Cg.Read("memory.oom_control")}");
            Assert.Equal(0, t.Cg.KernelOomKills());
            return t;
        }
        catch
        {
            t.Dispose();
            throw;
        }
    }

    private sealed class Setup : IDisposable
    {
        public Setup(V1MemoryCgroup cg)
        {
            Cg = cg;
            Domain = new CgroupDomain(cg.Path, Limit, new CgroupThresholds(), 1 << 20);
            Wait = V1OomWait.TryOpen(Loop, Time, Domain, cg.Directory, Delay, out string? error)
                ?? throw new InvalidOperationException(error);
        }

        public V1MemoryCgroup Cg { get; }
        public EventLoop Loop { get; } = new();
        public FakeTimeProvider Time { get; } = new();
        public CgroupDomain Domain { get; }
        public V1OomWait Wait { get; }
        public Process Hog { get; set; } = null!;
        public Process? Holder { get; set; }

        public string Field(string name)
        {
            foreach (var line in Cg.Read("memory.oom_control").Split('\n'))
                if (line.StartsWith(name + " ", StringComparison.Ordinal)) return line[(name.Length + 1)..].Trim();
            return "?";
        }

        public void Dispose()
        {
            // Back to the kernel's own handling first, so that nothing is left waiting; then SIGKILL and remove.
            try { Cg.Write("memory.oom_control", "0"); } catch (IOException) { }
            Wait.Dispose();
            Loop.Dispose();
            if (Hog is not null) Signals.Send(Hog.Id, 18);
            Cg.Dispose();
        }
    }

}
