using OomWarden.Core.Model;
using OomWarden.Core.Policy;
using static OomWarden.Core.Tests.TreeDsl;

namespace OomWarden.Core.Tests.Policy;

public class CompiledPolicyTests
{
    private static CmdlineRegex Cmdline(string pattern) =>
        CmdlineRegex.TryCompile(pattern, out var regex, out var error) ? regex : throw new ArgumentException(error);

    private static ProcessSample Process(string comm, int adj = 0, string cgroup = "/a", int uid = 1000, string? user = "alice",
        string? exe = null, string? cmdline = null) => new()
    {
        Pid = 10,
        Comm = comm,
        OomScoreAdj = adj,
        CgroupPath = cgroup,
        Uid = uid,
        UserName = user,
        ExePath = exe,
        CommandLine = cmdline,
    };

    [Fact]
    public void UnmatchedProcessPriorityIsMinusOomScoreAdj()
    {
        Assert.Equal(-1000, CompiledPolicy.Empty.Evaluate(Process("x", adj: 1000)).Priority);
        Assert.Equal(500, CompiledPolicy.Empty.Evaluate(Process("x", adj: -500)).Priority);
        Assert.Equal("default", CompiledPolicy.Empty.Evaluate(Process("x")).RuleName);
    }

    [Fact]
    public void UnmatchedCgroupPriorityIsZero()
    {
        var node = new CgroupNode("/a", default, []);
        Assert.Equal(0, CompiledPolicy.Empty.Evaluate(node).Priority);
    }

    [Fact]
    public void FirstMatchWins()
    {
        var policy = Rules("comm=make priority=-5 name=first", "comm=make priority=7 name=second");
        var verdict = policy.Evaluate(Process("make"));
        Assert.Equal(-5, verdict.Priority);
        Assert.Equal("first", verdict.RuleName);
    }

    [Fact]
    public void RuleWithoutPriorityKeepsTheDefaultPriority()
    {
        var verdict = Rules("comm=make kill=cgroup").Evaluate(Process("make", adj: 300));
        Assert.Equal(-300, verdict.Priority);
        Assert.Equal(OomWarden.Core.Decisions.KillMode.Cgroup, verdict.Kill);
    }

    [Fact]
    public void CgroupOnlyRulesApplyToCgroupsNotToTheirProcesses()
    {
        var policy = Rules("cgroup=/a priority=-9");
        Assert.Equal(-9, policy.Evaluate(new CgroupNode("/a", default, [])).Priority);
        Assert.Equal(0, policy.Evaluate(Process("x", cgroup: "/a")).Priority);
    }

    [Fact]
    public void ProcessRulesNeverApplyToCgroups()
    {
        var policy = Rules("comm=* protect");
        Assert.False(policy.Evaluate(new CgroupNode("/a", default, [])).Protected);
        Assert.True(policy.Evaluate(Process("x")).Protected);
    }

    [Fact]
    public void MatchKeysCombineWithAnd()
    {
        var policy = new CompiledPolicy([
            new PolicyRule("r", "t", new RuleMatch
            {
                Comm = [Glob.Compile("java")],
                Cgroup = [Glob.Compile("/batch/*")],
                User = [UserMatch.ForName("bob")],
                Exe = [Glob.Compile("/opt/**/java")],
                Cmdline = [Cmdline("-jar \\S+\\.jar")],
            }, new RuleEffect(Priority: -3)),
        ]);
        var p = Process("java", cgroup: "/batch/j1", user: "bob", exe: "/opt/jdk/bin/java", cmdline: "java -jar app.jar");
        Assert.Equal(-3, policy.Evaluate(p).Priority);
        Assert.Equal(0, policy.Evaluate(p with { CgroupPath = "/web/j1" }).Priority);
        Assert.Equal(0, policy.Evaluate(p with { UserName = "alice" }).Priority);
        Assert.Equal(0, policy.Evaluate(p with { ExePath = null }).Priority);
        Assert.Equal(0, policy.Evaluate(p with { CommandLine = "java Main" }).Priority);
    }

    [Fact]
    public void UserMatchesByUidOrName()
    {
        Assert.True(UserMatch.Parse("1000").IsMatch(1000, null));
        Assert.False(UserMatch.Parse("1000").IsMatch(-1, null));
        Assert.True(UserMatch.Parse("alice").IsMatch(5, "alice"));
        Assert.False(UserMatch.Parse("alice").IsMatch(5, null));
    }

    [Fact]
    public void UnitRulesUseTheDerivedUnit()
    {
        var policy = Rules("unit=app-*.scope priority=-1");
        Assert.Equal(-1, policy.Evaluate(new CgroupNode("/user.slice/user-1000.slice/user@1000.service/app.slice/app-x-1.scope", default, [])).Priority);
        Assert.Equal(0, policy.Evaluate(new CgroupNode("/user.slice/user-1000.slice/user@1000.service/app.slice", default, [])).Priority);
    }
}
