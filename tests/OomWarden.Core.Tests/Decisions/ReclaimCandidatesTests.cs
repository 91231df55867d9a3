using OomWarden.Core.Decisions;

namespace OomWarden.Core.Tests.Decisions;

/// <summary>Which cgroups a domain may reclaim from, in what order: the victim walk's order (priority, then size),
/// a cgroup's subtree before the cgroup itself, only where a rule says <c>reclaim = true</c>.</summary>
public class ReclaimCandidatesTests
{
    private const string Tree = """
        cg /batch/a 300
        cg /batch/b 500
        cg /web/cache 800
        cg /web/app 900
        cg /db 2000
        """;

    private static string[] Paths(string tree, string domain, params string[] rules)
        => ReclaimCandidates.Rank(TreeDsl.View(tree, domain).Root, TreeDsl.Rules(rules)).Select(c => c.CgroupPath).ToArray();

    [Fact]
    public void NoRuleWithTheKeyMeansNoCandidate()
    {
        Assert.Empty(Paths(Tree, "/", "cgroup=/batch priority=-10", "cgroup=/db priority=100"));
    }

    [Fact]
    public void LowestPriorityFirstThenLargestThenTheParentAfterItsChildren()
    {
        var order = Paths(Tree, "/",
            "cgroup=/batch priority=-100 reclaim",
            "cgroup=/batch/* reclaim",
            "cgroup=/web/cache reclaim",
            "cgroup=/db priority=100 reclaim");
        // /batch (-100) before /web (0) before /db (100); inside /batch the larger b before a, then /batch itself.
        Assert.Equal(["/batch/b", "/batch/a", "/batch", "/web/cache", "/db"], order);
    }

    [Fact]
    public void TheFirstRuleSettingTheKeyDecidesAndARuleWithoutItDoesNotStopTheSearch()
    {
        var order = Paths(Tree, "/",
            "cgroup=/web/app priority=-5",
            "cgroup=/web/cache reclaim=false",
            "cgroup=/web/* reclaim");
        Assert.Equal(["/web/app"], order);
    }

    [Fact]
    public void ACgroupDomainRanksOnlyItsOwnSubtree()
    {
        var order = Paths(Tree, "/web", "cgroup=/** reclaim");
        Assert.Equal(["/web/app", "/web/cache", "/web"], order);
        var c = ReclaimCandidates.Rank(TreeDsl.View(Tree, "/web").Root, TreeDsl.Rules("cgroup=/web/app priority=-3 reclaim"))[0];
        Assert.Equal((-3, 900 * TreeDsl.MiB, "r1"), (c.Priority, c.UsageBytes, c.RuleName));
    }
}
