using System.Text.Json;
using OomWarden.Integration.Tests.Infrastructure;

namespace OomWarden.Integration.Tests.Commands;

/// <summary>explain, snapshot and simulate against the live host (the real NativeAOT binary, a real v1 memory
/// cgroup): a snapshot taken from the live system replays to the victim explain chose there.</summary>
public sealed class ExplainSnapshotSimulateTests
{
    [Fact]
    public void Simulate_on_a_live_snapshot_chooses_the_victim_explain_chose()
    {
        Repo.RequireBinary();
        using var cg = V1MemoryCgroup.Create("oomwarden-explain", 256L << 20);
        using var low = V1MemoryCgroup.Create("low", 0, cg.Path);
        using var high = V1MemoryCgroup.Create("high", 0, cg.Path);
        string dir = TestHelpers.NewTempDirectory("oomwarden-it");
        try
        {
            string config = Path.Combine(dir, "policy.toml");
            File.WriteAllText(config, $$"""
                [[rule]]
                cgroup = "{{high.Path}}"
                priority = 10
                [[rule]]
                cgroup = "{{low.Path}}"
                priority = -5
                """);
            var small = Start(low, 8);
            var big = Start(high, 64);
            Start(low, 24);

            var explain = Sh.Run(Repo.Binary, ["explain", "--domain", cg.Path, "--json", "--config", config], TimeSpan.FromSeconds(30));
            Assert.True(explain.ExitCode == 0, explain.Stderr);
            using var explained = JsonDocument.Parse(explain.Stdout);

            string snapshot = Path.Combine(dir, "snap.json");
            var snap = Sh.Run(Repo.Binary, ["snapshot", "-o", snapshot, "--domain", cg.Path], TimeSpan.FromSeconds(30));
            Assert.True(snap.ExitCode == 0, snap.Stderr);
            Assert.Contains("processes", snap.Stderr);

            var sim = Sh.Run(Repo.Binary, ["simulate", "--json", "--config", config, snapshot], TimeSpan.FromSeconds(30));
            Assert.True(sim.ExitCode == 0, sim.Stderr);
            using var simulated = JsonDocument.Parse(sim.Stdout);

            int explainedPid = VictimPid(explained.RootElement);
            Assert.Equal(explainedPid, VictimPid(simulated.RootElement));
            // The low-priority cgroup loses even though the high one holds the largest process; inside it the
            // larger of its two processes is chosen.
            Assert.NotEqual(big.Id, explainedPid);
            Assert.NotEqual(small.Id, explainedPid);
            Assert.Contains(explainedPid, low.Pids());

            // The same snapshot under a policy that flips the priorities chooses the big process instead.
            File.WriteAllText(config, $"[[rule]]\ncgroup = \"{low.Path}\"\npriority = 10\n");
            var flipped = Sh.Run(Repo.Binary, ["simulate", "--json", "--config", config, snapshot], TimeSpan.FromSeconds(30));
            using var flippedDoc = JsonDocument.Parse(flipped.Stdout);
            Assert.Equal(big.Id, VictimPid(flippedDoc.RootElement));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Explain_names_an_unknown_domain()
    {
        Repo.RequireBinary();
        V1MemoryCgroup.Require();
        var r = Sh.Run(Repo.Binary, ["explain", "--domain", "/no-such-cgroup-here"], TimeSpan.FromSeconds(30));
        Assert.Equal(65, r.ExitCode);
        Assert.Contains("/no-such-cgroup-here", r.Stderr);
    }

    private static int VictimPid(JsonElement doc) => doc.GetProperty("victim").GetProperty("pid").GetInt32();

    private static System.Diagnostics.Process Start(V1MemoryCgroup cg, int mib)
    {
        var p = cg.Start(TestHelpers.Hog, "-s", mib.ToString(System.Globalization.CultureInfo.InvariantCulture), "-L", "60");
        Assert.StartsWith("READY", p.StandardOutput.ReadLine());
        Assert.StartsWith("HOLD", p.StandardOutput.ReadLine());
        return p;
    }
}
