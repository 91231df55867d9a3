using OomWarden.Core.Detection;
using OomWarden.Core.Model;
using OomWarden.Core.Settings;

namespace OomWarden.Core.Tests.Detection;

public sealed class NodeEvaluatorTests
{
    private const long MiB = 1L << 20;
    private static readonly MemoryInfo System = new(1024 * MiB, 600 * MiB, 600 * MiB, 0, 0, 0, 0, 0, 0);

    [Theory]
    [InlineData(300, PressureLevel.None)]
    [InlineData(50, PressureLevel.Term)]    // 10 % of the node's 512 MiB = 51.2 MiB
    [InlineData(20, PressureLevel.Kill)]    // 5 % = 25.6 MiB
    public void A_node_is_judged_against_its_own_size(long availableMiB, PressureLevel expected)
    {
        var t = NodeEvaluator.ThresholdsFor(new SystemThresholds(), 512 * MiB, System.MemTotalBytes);
        var node = new NodeMemory(1, 512 * MiB, availableMiB * MiB, 0);
        Assert.Equal(expected, NodeEvaluator.Evaluate(node, System, t, 0).Level);
    }

    [Fact]
    public void Byte_levels_are_scaled_by_the_node_share()
    {
        var t = NodeEvaluator.ThresholdsFor(
            new SystemThresholds { MemAvailableTerm = Threshold.FromBytes(200 * MiB), MemAvailableKill = Threshold.FromBytes(100 * MiB) },
            256 * MiB, System.MemTotalBytes);
        Assert.Equal(50 * MiB, t.MemAvailableTerm.Bytes);
        Assert.Equal(25 * MiB, t.MemAvailableKill.Bytes);
    }

    [Fact]
    public void Mems_allowed_decides_eligibility()
    {
        var p = new ProcessSample { Pid = 5, Comm = "x", MemsAllowedMask = 0b01 };
        Assert.True(p.MayUseNodes(0b01));
        Assert.False(p.MayUseNodes(0b10));
        Assert.True((p with { MemsAllowedMask = 0 }).MayUseNodes(0b10));
        Assert.Equal("nodes:1,3", Domain.ForNodes(0b1010).ToString());
    }
}
