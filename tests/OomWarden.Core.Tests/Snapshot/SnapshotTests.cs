using System.Text;
using OomWarden.Core.Decisions;
using OomWarden.Core.Model;
using OomWarden.Core.Snapshot;
using static OomWarden.Core.Tests.TreeDsl;

namespace OomWarden.Core.Tests.Snapshot;

public class SnapshotTests
{
    private static readonly MemoryInfo Mem = new(16L << 30, 1L << 30, 2L << 30, 1L << 29, 0, 0, 0, 0, 0);

    private const string Tree = """
        cg /a 100
        cg /a/x 60
        p /a/x 10 worker 60 adj=300
        cg /b 40
        p /b 20 db 40
        p / 2 kthreadd 0 kthread
        """;

    [Fact]
    public void BuildWriteReadGivesTheSameDecision()
    {
        var view = View(Tree);
        var snapshot = SnapshotBuilder.Build(view, Mem, new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero), "host");
        string json = SnapshotWriter.ToJson(snapshot);

        Assert.True(SnapshotReader.TryRead(Encoding.UTF8.GetBytes(json), out var read, out var error), error);
        var replay = new SnapshotDomainView(read!);
        Assert.Equal("/", replay.Root.Path);
        Assert.Equal(Mem.MemTotalBytes, replay.DomainTotalBytes);
        Assert.Equal(["/", "/a", "/a/x", "/b"], replay.Root.DescendantsAndSelf().Select(n => n.Path));

        var selector = new HierarchicalSelector(CompiledPolicy());
        var original = selector.Select(View(Tree));
        var replayed = selector.Select(replay);
        Assert.Equal(original.Victim!.Pid, replayed.Victim!.Pid);
        Assert.Equal(original.Victim, replayed.Victim);
        Assert.Equal(original.Summary, replayed.Summary);
    }

    private static OomWarden.Core.Policy.CompiledPolicy CompiledPolicy() => Rules("cgroup=/b priority=5");

    [Fact]
    public void JsonIsVersionedAndSnakeCase()
    {
        var json = SnapshotWriter.ToJson(SnapshotBuilder.Build(View(Tree), Mem, DateTimeOffset.UnixEpoch, "h"));
        Assert.StartsWith("{\n  \"format\": \"oomwarden-snapshot\",\n  \"version\": 1,", json.Replace("\r\n", "\n", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Contains("\"oom_score_adj\": 300", json, StringComparison.Ordinal);
        Assert.DoesNotContain("\"limitBytes\": null", json, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"format":"oomwarden-snapshot","version":2,"cgroups":[]}""", "snapshot version 2 is not supported (this oomwarden reads version 1)")]
    [InlineData("""{"format":"something-else","version":1}""", "not an oomwarden snapshot")]
    [InlineData("""{"format":"oomwarden-snapshot"}""", "no \"version\"")]
    [InlineData("""[1,2]""", "not an oomwarden snapshot")]
    [InlineData("""{"format":"oomwarden-snapshot","version":1,"cgroups":[]}""", "no cgroups")]
    [InlineData("""{"format":"oomwarden-snapshot","version":1,"cgroups":[{"path":"/"},{"path":"/a/b"}]}""", "listed before (or without) its parent /a")]
    [InlineData("""{"format":"oomwarden-snapshot","version":1,"cgroups":[{"path":"/"},{"path":"/"}]}""", "listed twice")]
    [InlineData("""{"format":"oomwarden-snapshot","version":1,"cgroups":[{"path":"/","processes":[{"pid":3},{"pid":3}]}]}""", "pid 3 is listed twice")]
    [InlineData("""{"format":"oomwarden-snapshot","version":1,"cgroups":[{"path":"/","usage_bytes":"lots"}]}""", "malformed snapshot")]
    [InlineData("""{"format":""", "malformed snapshot")]
    public void RejectsBadSnapshotsWithAReason(string json, string reason)
    {
        Assert.False(SnapshotReader.TryRead(Encoding.UTF8.GetBytes(json), out _, out var error));
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    [Fact]
    public void MemcgDomainTotalIsItsLimit()
    {
        var json = """
            {"format":"oomwarden-snapshot","version":1,"memory":{"mem_total_bytes":1000000000},
             "cgroups":[{"path":"/"},{"path":"/a","limit_bytes":4096000},{"path":"/a/b"}]}
            """;
        Assert.True(SnapshotReader.TryRead(Encoding.UTF8.GetBytes(json), out var snapshot, out var error), error);
        Assert.Equal(4096000, new SnapshotDomainView(snapshot!, "/a").DomainTotalBytes);
        Assert.Equal(4096000, new SnapshotDomainView(snapshot!, "/a/b").DomainTotalBytes);
        Assert.Equal(1000000000, new SnapshotDomainView(snapshot!).DomainTotalBytes);
        Assert.Equal(DomainKind.Cgroup, new SnapshotDomainView(snapshot!, "/a").Domain.Kind);
        Assert.Throws<ArgumentException>(() => new SnapshotDomainView(snapshot!, "/zzz"));
    }
}
