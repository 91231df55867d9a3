using OomWarden.Commands;
using OomWarden.Configuration;
using OomWarden.Core.Decisions;
using OomWarden.Core.Snapshot;

namespace OomWarden.Tests.Commands;

/// <summary>The explain renderer over recorded snapshots (the live explain verb renders the same way).</summary>
public class ExplainGoldenTests
{
    private static (Decision Decision, SnapshotDomainView View, LoadedConfig Config) Decide(string snapshotFile, string configText, string? domain = null)
    {
        var bytes = File.ReadAllBytes(Golden.Fixture("tests/fixtures/snapshots/" + snapshotFile));
        Assert.True(SnapshotReader.TryRead(bytes, out var snapshot, out var error), error);
        var result = ConfigLoader.LoadText(configText, "inline.toml");
        Assert.True(result.Success, string.Join("\n", result.Errors));
        var view = new SnapshotDomainView(snapshot!, domain);
        var selector = VictimSelectors.Create(result.Config.Settings, result.Config.Policy, new SelectorOptions());
        return (selector.Select(view), view, result.Config);
    }

    private static long SystemTotal(SnapshotDomainView view) =>
        view.Snapshot.Memory.MemTotalBytes + view.Snapshot.Memory.SwapTotalBytes;

    [Theory]
    [InlineData("explain-k8s.txt", null, false)]
    [InlineData("explain-k8s.json", null, true)]
    [InlineData("explain-k8s-burstable-pod.txt", "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod3c4d.slice", false)]
    public void KubernetesPresetMatchesGolden(string golden, string? domain, bool json)
    {
        var (decision, view, config) = Decide("k8s-node.json", "preset = \"kubernetes\"", domain);
        var output = new StringWriter();
        if (json) ExplainRenderer.RenderJson(decision, view, output, 4096, "hierarchical", config.Policy.Preset, SystemTotal(view));
        else ExplainRenderer.RenderText(decision, view, output, 4096, "hierarchical", config.Policy.Preset, SystemTotal(view));
        Golden.Check(golden, output.ToString());
    }

    [Fact]
    public void KubernetesQosOrderBestEffortFirstThenBurstableThenGuaranteed()
    {
        var (first, _, _) = Decide("k8s-node.json", "preset = \"kubernetes\"");
        Assert.Equal("java", first.Victim!.Comm);

        // Without the BestEffort pod, the Burstable one goes before the Guaranteed one.
        var (second, _, _) = Decide("k8s-node.json", """
            preset = "kubernetes"
            [[rule]]
            cgroup = "/kubepods.slice/kubepods-besteffort.slice"
            protect = true
            """);
        Assert.Equal("node", second.Victim!.Comm);
    }

    [Fact]
    public void JsonCarriesTheKernelViewAndTheTakenFlag()
    {
        var (decision, view, _) = Decide("workstation.json", "");
        var doc = ExplainRenderer.ToDocument(decision, view, 4096, "hierarchical", "none", SystemTotal(view));
        var last = doc.Levels[^1];
        var taken = last.Candidates[0];
        Assert.True(taken.Taken);
        Assert.Equal(decision.Victim!.Pid, taken.Pid);
        // The fixture records a kernel oom_score 2 above the formula's (5.9+ scaling): explain must show it.
        Assert.Equal(901, taken.OomScore);
        Assert.Equal(899, taken.ReproducedOomScore);
        Assert.Equal(-2, taken.OomScoreDiff);
        Assert.All(last.Candidates.Skip(1), c => Assert.False(c.Taken));
    }
}
