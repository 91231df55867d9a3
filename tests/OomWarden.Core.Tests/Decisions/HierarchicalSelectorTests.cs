using OomWarden.Core.Decisions;
using OomWarden.Core.Policy;
using static OomWarden.Core.Tests.TreeDsl;

namespace OomWarden.Core.Tests.Decisions;

public class HierarchicalSelectorTests
{
    /// <summary>name, tree, rules (one per line, '|' separated), domain, expected victim pid (0 = nothing to kill),
    /// expected kill-as-a-unit cgroup (null = process only).</summary>
    public static TheoryData<string, string, string, string, int, string?> Cases => new()
    {
        {
            "three levels of priority beat footprint",
            """
            cg /hi 4000
            p /hi 10 big 4000
            cg /lo 100
            cg /lo/x 60
            p /lo/x 20 x 60
            cg /lo/y 40
            p /lo/y 30 keeper 5
            p /lo/y 31 victim 1
            p /lo/y 32 other 30
            """,
            "cgroup=/hi priority=10|cgroup=/lo priority=-10|cgroup=/lo/x priority=5|cgroup=/lo/y priority=-5|comm=keeper priority=20|comm=victim priority=-1",
            "/", 31, null
        },
        {
            "a process at a level competes with the sibling cgroups and wins when lower",
            """
            cg /c 900
            p /c 20 inside 900
            p / 10 loose 50
            """,
            "comm=loose priority=-5", "/", 10, null
        },
        {
            "a sibling cgroup wins over a process when lower",
            """
            cg /c 900
            p /c 20 inside 900
            p / 10 loose 50
            """,
            "comm=loose priority=-5|cgroup=/c priority=-10", "/", 20, null
        },
        {
            "equal priority: largest footprint at every level",
            """
            cg /a 100
            p /a 10 a 100
            cg /b 200
            p /b 20 small 10
            p /b 21 large 30
            """,
            "", "/", 21, null
        },
        {
            "default process priority is -oom_score_adj",
            """
            cg /a 100
            p /a 10 tuned-down 10 adj=500
            p /a 11 large 90
            """,
            "", "/", 10, null
        },
        {
            "protected cgroup is skipped even when lowest",
            """
            cg /a 500
            p /a 10 a 500
            cg /b 100
            p /b 20 b 100
            """,
            "cgroup=/a protect", "/", 20, null
        },
        {
            "protected process deep inside is skipped",
            """
            cg /a/b/c 100
            p /a/b/c 10 sshd 90
            p /a/b/c 11 other 10
            """,
            "comm=sshd protect", "/", 11, null
        },
        {
            "cgroup with only protected processes: backtrack to the next candidate",
            """
            cg /a 500
            p /a 10 sshd 500
            cg /b 100
            p /b 20 b 100
            """,
            "cgroup=/a priority=-100|comm=sshd protect", "/", 20, null
        },
        {
            "hard protections: PID 1, kernel thread, adj -1000, even when a rule lowers them",
            """
            p / 1 systemd 900
            p / 2 kthreadd 800 kthread
            p / 3 keep 700 adj=-1000
            p / 4 chosen 1
            """,
            "comm=* priority=-50", "/", 4, null
        },
        {
            "memcg domain never chooses outside itself",
            """
            cg /cheap 100
            p /cheap 10 cheap 100
            cg /limited 300
            p /limited 20 inside 300
            """,
            "cgroup=/cheap priority=-100", "/limited", 20, null
        },
        {
            "empty domain: nothing to kill",
            "cg /empty 0", "", "/empty", 0, null
        },
        {
            "all protected: nothing to kill",
            """
            p / 1 init 10
            cg /a 10
            p /a 10 sshd 10
            p /a 11 journald 10 adj=-1000
            """,
            "comm=sshd protect", "/", 0, null
        },
        {
            "protected domain root: nothing to kill",
            """
            cg /system.slice/foo.service 100
            p /system.slice/foo.service 10 foo 100
            """,
            "cgroup=/system.slice protect", "/system.slice/foo.service", 0, null
        },
        {
            "kill = cgroup: the cgroup as a unit, its largest process first",
            """
            cg /batch/job1 500
            cg /batch/job1/step 400
            p /batch/job1 10 driver 100
            p /batch/job1/step 11 worker 400
            cg /web 100
            p /web 20 nginx 100
            """,
            "cgroup=/batch/* priority=-10 kill=cgroup", "/", 11, "/batch/job1"
        },
        {
            "kill = cgroup with a protected process inside falls back to the process",
            """
            cg /batch/job1 500
            p /batch/job1 10 sshd 100
            p /batch/job1 11 worker 400
            """,
            "comm=sshd protect|cgroup=/batch/* kill=cgroup", "/", 11, null
        },
        {
            "kill = cgroup on the memcg domain itself",
            """
            cg /batch/job1 500
            p /batch/job1 10 a 100
            p /batch/job1 11 b 400
            """,
            "cgroup=/batch/* kill=cgroup", "/batch/job1", 11, "/batch/job1"
        },
        {
            "unit rules match the systemd unit derived from the path",
            """
            cg /system.slice/ssh.service 50
            p /system.slice/ssh.service 10 sshd 50
            cg /system.slice/app.service 10
            p /system.slice/app.service 20 app 10
            """,
            "unit=ssh.service priority=-100|unit=app.service priority=50", "/", 10, null
        },
        {
            "user rules apply to processes only",
            """
            cg /a 100
            p /a 10 mine 10 uid=1000
            p /a 11 theirs 90 uid=0
            """,
            "user=1000 priority=-1", "/", 10, null
        },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void ChoosesTheExpectedVictim(string name, string tree, string rules, string domain, int pid, string? cgroup)
    {
        var view = View(tree, domain);
        var policy = Rules(rules.Length == 0 ? [] : rules.Split('|'));
        var decision = new HierarchicalSelector(policy, new SelectorOptions { ProtectedPids = new HashSet<int> { 99 } }).Select(view);

        Assert.Equal(pid, decision.Victim?.Pid ?? 0);
        Assert.Equal(cgroup, decision.VictimCgroup?.Path);
        Assert.Equal(pid == 0, decision.NothingToKill);
        Assert.False(string.IsNullOrWhiteSpace(decision.Summary), name);
        if (pid == 0) Assert.StartsWith("nothing to kill", decision.Summary, StringComparison.Ordinal);
        else Assert.Equal(cgroup is null ? KillMode.Process : KillMode.Cgroup, decision.Action!.Mode);
    }

    [Fact]
    public void OwnPidIsNeverChosen()
    {
        var view = View("p / 99 oomwarden 900\np / 100 other 1");
        var decision = new HierarchicalSelector(CompiledPolicy.Empty, new SelectorOptions { ProtectedPids = new HashSet<int> { 99 } }).Select(view);
        Assert.Equal(100, decision.Victim!.Pid);
        var self = decision.Path[0].Ranked.Single(c => c.Pid == 99);
        Assert.True(self.Protected);
        Assert.Equal("protected: oomwarden itself", self.Note);
    }

    [Fact]
    public void PathRecordsEveryLevelWithTheTakenCandidateFirst()
    {
        var view = View("""
            cg /a 100
            cg /a/x 10
            p /a/x 10 x 10
            cg /b 300
            p /b 20 b 300
            """);
        var decision = new HierarchicalSelector(Rules("cgroup=/a priority=-1")).Select(view);

        Assert.Equal(["/", "/a", "/a/x"], decision.Path.Select(l => l.CgroupPath));
        Assert.Equal("/a", decision.Path[0].Ranked[0].Name);
        Assert.Equal("r1", decision.Path[0].Ranked[0].Rule);
        Assert.Equal(-1, decision.Path[0].Ranked[0].Priority);
        Assert.Equal("/b", decision.Path[0].Ranked[1].Name);
        Assert.Equal("default", decision.Path[0].Ranked[1].Rule);
        Assert.Equal(300 * MiB, decision.Path[0].Ranked[1].FootprintBytes);
        Assert.Equal(10, decision.Path[2].Ranked[0].Pid);
    }

    [Fact]
    public void BacktrackedCgroupIsNotedAndItsLevelDropped()
    {
        var view = View("""
            cg /a 100
            p /a 10 sshd 10
            cg /b 300
            p /b 20 b 300
            """);
        var decision = new HierarchicalSelector(Rules("cgroup=/a priority=-1", "comm=sshd protect")).Select(view);

        Assert.Equal(["/", "/b"], decision.Path.Select(l => l.CgroupPath));
        var skipped = decision.Path[0].Ranked.Single(c => c.Name == "/a");
        Assert.Equal("nothing killable inside", skipped.Note);
    }

    [Fact]
    public void ReadsProcessesOnlyAlongThePath()
    {
        var lines = new List<string>();
        for (int i = 0; i < 50; i++)
        {
            lines.Add($"cg /s{i:D2} {100 + i}");
            for (int j = 0; j < 5; j++)
            {
                lines.Add($"cg /s{i:D2}/c{j} {10 + j}");
                lines.Add($"p /s{i:D2}/c{j} {1000 + i * 10 + j} w {10 + j}");
            }
        }
        var view = View(string.Join('\n', lines));
        var decision = new HierarchicalSelector(CompiledPolicy.Empty).Select(view);

        Assert.Equal("/s49/c4", decision.Victim!.CgroupPath);
        Assert.Equal(["/", "/s49", "/s49/c4"], view.Reads);
    }

    [Fact]
    public void SignalAndGraceComeFromTheVictimsRuleThenTheCgroupsOnThePath()
    {
        var view = View("""
            cg /batch/j 100
            p /batch/j 10 worker 100
            p /batch/j 11 special 1 adj=900
            """);
        var fromCgroup = new HierarchicalSelector(Rules("cgroup=/batch signal=2 grace=30")).Select(view);
        Assert.Equal(11, fromCgroup.Victim!.Pid);
        Assert.Equal(2, fromCgroup.Action!.Signal);
        Assert.Equal(TimeSpan.FromSeconds(30), fromCgroup.Action.TermGrace);

        var fromProcess = new HierarchicalSelector(Rules("comm=special signal=9", "cgroup=/batch signal=2 grace=30")).Select(view);
        Assert.Equal(9, fromProcess.Action!.Signal);
        Assert.Equal(TimeSpan.FromSeconds(30), fromProcess.Action.TermGrace);

        var defaults = new HierarchicalSelector(CompiledPolicy.Empty, new SelectorOptions { DefaultTermGrace = TimeSpan.FromSeconds(7) }).Select(view);
        Assert.Equal(Signals.SigTerm, defaults.Action!.Signal);
        Assert.Equal(TimeSpan.FromSeconds(7), defaults.Action.TermGrace);
    }

    [Fact]
    public void ProtectedComesLastInTheRanking()
    {
        var view = View("""
            p / 10 a 10
            p / 11 sshd 1
            p / 12 b 20
            """);
        var decision = new HierarchicalSelector(Rules("comm=sshd priority=-1000 name=x", "comm=sshd protect")).Select(view);
        // first match wins: the priority rule comes first, so sshd is not protected here
        Assert.Equal(11, decision.Victim!.Pid);

        var protectedFirst = new HierarchicalSelector(Rules("comm=sshd protect", "comm=sshd priority=-1000")).Select(view);
        Assert.Equal(12, protectedFirst.Victim!.Pid);
        Assert.Equal([12, 10, 11], protectedFirst.Path[0].Ranked.Select(c => c.Pid!.Value));
    }
}
