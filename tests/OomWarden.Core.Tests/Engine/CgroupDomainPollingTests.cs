using Microsoft.Extensions.Time.Testing;
using OomWarden.Core.Detection;
using OomWarden.Core.Engine;
using OomWarden.Core.Levels;
using OomWarden.Core.Settings;
using static OomWarden.Core.Tests.Engine.EngineHarness;

namespace OomWarden.Core.Tests.Engine;

/// <summary>When a cgroup asks to be polled (<see cref="CgroupDomain.UpdateFromUsage"/> true: read in full, its distance
/// drives the adaptive sleep). A cgroup smaller than the prepare band is always inside it; below its armed kernel
/// wake-up (v1, at half the limit) it must still ask for nothing, or one small limited cgroup keeps the daemon
/// polling every few milliseconds.</summary>
public class CgroupDomainPollingTests
{
    // EngineHarness.Cgroup: a prepare band of 64 MiB.
    private static CgroupDomain Small() => Cgroup("/small", limitBytes: 32 * MiB);

    [Fact]
    public void A_cgroup_smaller_than_the_prepare_band_is_not_polled_below_its_kernel_wake_up()
    {
        var c = Small();
        Assert.False(c.UpdateFromUsage(4 * MiB, kernelWakesBelowUsage: true));
        Assert.Equal(PressureLevel.None, c.Level);
        Assert.True(c.Reading.DistanceToTermBytes > 1L << 40, $"distance {c.Reading.DistanceToTermBytes}: the adaptive sleep would poll");
    }

    [Fact]
    public void Without_a_kernel_wake_up_the_same_cgroup_is_polled_by_its_distance_and_prepared_from_half_its_limit()
    {
        // v2: no usage threshold to arm. The distance drives the sleep; the decision is prepared only once the cgroup is
        // within half its limit of its term level (its band: the 64 MiB band would hold it from empty on).
        var c = Small();
        Assert.False(c.UpdateFromUsage(4 * MiB, kernelWakesBelowUsage: false));
        Assert.False(c.KernelWakesFirst);
        Assert.Equal(PressureLevel.None, c.Level);
        Assert.InRange(c.Reading.DistanceToTermBytes, 20 * MiB, 32 * MiB);
        Assert.True(c.UpdateFromUsage(16 * MiB, kernelWakesBelowUsage: false));
        c.Update(16 * MiB, 0);
        Assert.Equal(PressureLevel.Prepare, c.Level);
    }

    [Fact]
    public void Above_its_kernel_wake_up_the_cgroup_is_polled_again()
    {
        // The caller passes kernelWakesBelowUsage = usage < the armed threshold: false once usage reached it.
        var c = Small();
        Assert.True(c.UpdateFromUsage(20 * MiB, kernelWakesBelowUsage: false));
        c.Update(20 * MiB, 0);
        Assert.True(c.Reading.DistanceToTermBytes < 64 * MiB);
    }

    [Fact]
    public void Inside_its_warning_headroom_the_cgroup_is_read_in_full_even_below_the_wake_up()
    {
        var c = Small();
        c.WarningHeadroomBytes = 30 * MiB;
        Assert.True(c.UpdateFromUsage(4 * MiB, kernelWakesBelowUsage: true));
    }

    [Fact]
    public void A_cgroup_larger_than_the_band_is_polled_only_inside_it()
    {
        var c = Cgroup("/big", limitBytes: 1 * GiB);
        Assert.False(c.UpdateFromUsage(100 * MiB, kernelWakesBelowUsage: true));
        Assert.False(c.UpdateFromUsage(100 * MiB, kernelWakesBelowUsage: false));
        Assert.True(c.UpdateFromUsage(950 * MiB, kernelWakesBelowUsage: false));
    }

    [Fact]
    public void Below_its_kernel_wake_up_the_cgroup_s_warning_distance_does_not_drive_the_polling_either()
    {
        var engine = new OomEngine(new EngineOptions { InstanceId = "t", Levels = new LevelSettings() }, new FakeTimeProvider(), new NullSink());
        var c = Small();
        engine.SetDomains([c]);
        Assert.False(c.UpdateFromUsage(4 * MiB, kernelWakesBelowUsage: true));
        Assert.True(c.KernelWakesFirst);
        engine.Step();
        Assert.Equal(long.MaxValue, c.WarningDistanceBytes);

        // Past the wake-up the cgroup is read in full and its distance to the first warning level is polled again.
        Assert.True(c.UpdateFromUsage(20 * MiB, kernelWakesBelowUsage: false));
        c.Update(20 * MiB, 0);
        Assert.False(c.KernelWakesFirst);
        engine.Step();
        Assert.InRange(c.WarningDistanceBytes, 0, 32 * MiB);
    }

    [Fact]
    public void An_engine_without_warning_levels_clears_a_distance_an_earlier_engine_left_on_the_domain()
    {
        // an engine handed domains another engine stepped: one with [levels] off must not keep their old distance,
        // or the loop would poll the cgroup for a warning level it does not have
        var c = Small();
        var withLevels = new OomEngine(new EngineOptions { InstanceId = "t", Levels = new LevelSettings() }, new FakeTimeProvider(), new NullSink());
        withLevels.SetDomains([c]);
        Assert.True(c.UpdateFromUsage(20 * MiB, kernelWakesBelowUsage: false));
        c.Update(20 * MiB, 0);
        withLevels.Step();
        Assert.InRange(c.WarningDistanceBytes, 0, 32 * MiB);

        var without = new OomEngine(new EngineOptions { InstanceId = "t", Levels = new LevelSettings { Enabled = false } }, new FakeTimeProvider(), new NullSink());
        without.SetDomains([c]);
        without.Step();
        Assert.Equal(long.MaxValue, c.WarningDistanceBytes);
    }

    private sealed class NullSink : IEventSink
    {
        public void Publish(EngineEvent e) { }
    }
}
