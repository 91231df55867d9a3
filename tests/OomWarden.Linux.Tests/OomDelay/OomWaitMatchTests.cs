using OomWarden.Core.Engine;
using OomWarden.Core.Settings;
using OomWarden.Linux.OomDelay;
using OomWarden.Linux.Parsing;

namespace OomWarden.Linux.Tests.OomDelay;

/// <summary>What a rescan's cgroup is to the wait armed at its path (<see cref="OomWaitMatches.Of"/>): a reload builds
/// a new domain object for every cgroup, and only a real change may put a wait back.</summary>
public sealed class OomWaitMatchTests
{
    private const string Dir = "/sys/fs/cgroup/memory/a";

    private static CgroupDomain Domain(string path = "/a", long limit = 512L << 20) => new(path, limit, new CgroupThresholds(), 1 << 20);

    [Fact]
    public void The_same_object_is_the_same()
    {
        var d = Domain();
        Assert.Equal(OomWaitMatch.Same, OomWaitMatches.Of(d, Dir, CgroupVersion.V1, d, Dir, CgroupVersion.V1));
    }

    [Fact]
    public void A_new_object_for_the_same_path_directory_version_and_limit_is_rebound()
    {
        Assert.Equal(OomWaitMatch.Rebind, OomWaitMatches.Of(Domain(), Dir, CgroupVersion.V1, Domain(), Dir, CgroupVersion.V1));
        // strings equal by value, not by reference (a rescan reads them anew)
        Assert.Equal(OomWaitMatch.Rebind, OomWaitMatches.Of(Domain(), Dir, CgroupVersion.V2, Domain(new string("/a".AsSpan())), new string(Dir.AsSpan()), CgroupVersion.V2));
    }

    [Fact]
    public void Another_limit_is_a_limit_change()
    {
        Assert.Equal(OomWaitMatch.LimitChanged, OomWaitMatches.Of(Domain(), Dir, CgroupVersion.V1, Domain(limit: 256L << 20), Dir, CgroupVersion.V1));
    }

    [Theory]
    [InlineData("/sys/fs/cgroup/memory/a", 2)]
    [InlineData("/sys/fs/cgroup/a", 1)]
    public void Another_directory_or_version_is_a_move(string directory, int version)
    {
        Assert.Equal(OomWaitMatch.Moved, OomWaitMatches.Of(Domain(), Dir, CgroupVersion.V1, Domain(), directory, (CgroupVersion)version));
    }

    [Fact]
    public void The_match_allocates_nothing()
    {
        CgroupDomain a = Domain(), b = Domain();
        string dir = new(Dir.AsSpan());
        OomWaitMatches.Of(a, Dir, CgroupVersion.V1, b, dir, CgroupVersion.V1);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++) OomWaitMatches.Of(a, Dir, CgroupVersion.V1, b, dir, CgroupVersion.V1);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
