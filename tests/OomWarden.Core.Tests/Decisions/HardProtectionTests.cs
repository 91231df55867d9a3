using OomWarden.Core.Decisions;
using OomWarden.Core.Model;
using OomWarden.Core.Policy;
using static OomWarden.Core.Tests.TreeDsl;

namespace OomWarden.Core.Tests.Decisions;

/// <summary>The one protection rule of the daemon, explain and simulate (issue 8): by pid, never by name; an
/// oom_score_adj that could not be read protects.</summary>
public class HardProtectionTests
{
    private static readonly SelectorOptions Self99 = SelectorOptions.From(OomWarden.Core.Settings.DaemonSettings.Default, 99);

    public static TheoryData<string> Selectors() => ["hierarchical", "badness"];

    private static IVictimSelector Selector(string kind, SelectorOptions options) => kind == "badness"
        ? new BadnessSelector(CompiledPolicy.Empty, options)
        : new HierarchicalSelector(CompiledPolicy.Empty, options);

    [Theory]
    [MemberData(nameof(Selectors))]
    public void A_process_named_oomwarden_is_not_oomwarden_itself(string kind)
    {
        var view = View("p / 99 oomwarden 10\np / 100 oomwarden 900\np / 101 other 1");
        var decision = Selector(kind, Self99).Select(view);
        Assert.Equal(100, decision.Victim!.Pid);
        var self = decision.Path[0].Ranked.Single(c => c.Pid == 99);
        Assert.Equal("protected: oomwarden itself", self.Note);
    }

    [Theory]
    [MemberData(nameof(Selectors))]
    public void An_unreadable_oom_score_adj_is_never_a_candidate(string kind)
    {
        var tree = View("p / 10 big 900\np / 11 small 1");
        var processes = new Dictionary<string, List<ProcessSample>>
        {
            ["/"] = [.. tree.ProcessesIn(tree.Root).Select(p => p.Pid == 10 ? p with { OomScoreAdjUnreadable = true } : p)],
        };
        var view = new FakeDomainView(tree.Domain, tree.Root, processes, tree.DomainTotalBytes);
        var decision = Selector(kind, SelectorOptions.Default).Select(view);
        Assert.Equal(11, decision.Victim!.Pid);
        var big = decision.Path[0].Ranked.Single(c => c.Pid == 10);
        Assert.True(big.Protected);
        Assert.Equal("protected: oom_score_adj unreadable", big.Note);
        Assert.Equal(long.MinValue, KernelBadness.Points(processes["/"][0], 1L << 30, 4096));
    }

    [Fact]
    public void Reasons_in_order()
    {
        var o = Self99;
        Assert.Equal("PID 1", HardProtection.Reason(new ProcessSample { Pid = 1, Comm = "systemd" }, o));
        Assert.Equal("kernel thread", HardProtection.Reason(new ProcessSample { Pid = 2, Comm = "kthreadd", IsKernelThread = true }, o));
        Assert.Equal("oomwarden itself", HardProtection.Reason(new ProcessSample { Pid = 99, Comm = "anything" }, o));
        Assert.Equal("oom_score_adj unreadable", HardProtection.Reason(new ProcessSample { Pid = 5, Comm = "x", OomScoreAdjUnreadable = true }, o));
        Assert.Equal("oom_score_adj -1000", HardProtection.Reason(new ProcessSample { Pid = 5, Comm = "x", OomScoreAdj = -1000 }, o));
        Assert.Null(HardProtection.Reason(new ProcessSample { Pid = 5, Comm = "oomwarden", OomScoreAdj = -999 }, o));
    }

    [Fact]
    public void Self_pids_are_empty_without_a_pid()
    {
        Assert.Empty(HardProtection.SelfPids(null));
        Assert.Empty(HardProtection.SelfPids(0));
        Assert.Equal([42], HardProtection.SelfPids(42));
    }

    [Fact]
    public void A_rule_on_exe_matches_a_binary_deleted_since_it_started_but_no_unreadable_exe()
    {
        var match = new RuleMatch { Exe = [Glob.Compile("/usr/sbin/sshd")], User = [UserMatch.ForUid(0)] };
        ProcessSample P(string? exe, int uid) => new() { Pid = 5, Comm = "sshd", ExePath = exe, Uid = uid };
        Assert.True(match.Matches(P("/usr/sbin/sshd", 0)));
        Assert.True(match.Matches(P("/usr/sbin/sshd (deleted)", 0)));
        Assert.False(match.Matches(P("/usr/sbin/sshd", 1000)));
        Assert.False(match.Matches(P("/home/u/sshd", 0)));
        Assert.False(match.Matches(P("/usr/sbin/sshd-evil (deleted)", 0)));
        Assert.False(match.Matches(P(null, 0)));
    }
}
