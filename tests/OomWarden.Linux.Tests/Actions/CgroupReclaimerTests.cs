using OomWarden.Core.Engine;
using OomWarden.Core.Levels;
using OomWarden.Core.Settings;
using OomWarden.Linux.Actions;

namespace OomWarden.Linux.Tests.Actions;

/// <summary>The reclaimer's refusals, on plain files standing in for a cgroup (the write itself is exercised on a
/// real v2 kernel in vmlab: ReclaimV2Tests). Errors are results, never exceptions.</summary>
public sealed class CgroupReclaimerTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "oomwarden-reclaim-" + Guid.NewGuid().ToString("N"));
    private static readonly SystemDomain System = new(new SystemThresholds(), 0);

    public CgroupReclaimerTests() => Directory.CreateDirectory(_root);

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static ReclaimStep Step() => new(1, System, "/a", 0, "r", 16L << 20, 1.0);

    private string FakeCgroup(string name, string pressure = "some avg10=0.00 avg60=0.00 avg300=0.00 total=0\n")
    {
        string dir = Path.Combine(_root, name);
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "memory.current"), "104857600\n");
        File.WriteAllText(Path.Combine(dir, "memory.pressure"), pressure + "full avg10=0.00 avg60=0.00 avg300=0.00 total=0\n");
        File.WriteAllText(Path.Combine(dir, "memory.reclaim"), "");
        return dir;
    }

    [Fact]
    public void A_missing_cgroup_is_gone()
    {
        var step = Step();
        new CgroupReclaimer().Run(step, Path.Combine(_root, "nope"));
        Assert.Equal(ReclaimResult.Gone, step.Result);
    }

    [Fact]
    public void A_file_off_cgroupfs_is_never_written()
    {
        string dir = FakeCgroup("a");
        var step = Step();
        new CgroupReclaimer().Run(step, dir);
        Assert.Equal(ReclaimResult.Failed, step.Result);
        Assert.Contains("not on cgroupfs", step.Error);
        Assert.Equal("", File.ReadAllText(Path.Combine(dir, "memory.reclaim")));
        Assert.Equal(100L << 20, step.UsageBeforeBytes);
        Assert.Equal(0.0, step.PsiBefore);
    }

    [Fact]
    public void Pressure_at_the_threshold_writes_nothing()
    {
        string dir = FakeCgroup("b", "some avg10=1.00 avg60=0.50 avg300=0.10 total=5\n");
        var step = Step();
        new CgroupReclaimer().Run(step, dir);
        Assert.Equal(ReclaimResult.Pressure, step.Result);
        Assert.Equal(1.0, step.PsiBefore);
        Assert.Equal(0, step.ReclaimedBytes);
    }

    [Fact]
    public void A_symlinked_cgroup_directory_is_refused()
    {
        string dir = FakeCgroup("real");
        string link = Path.Combine(_root, "link");
        Directory.CreateSymbolicLink(link, dir);
        var step = Step();
        new CgroupReclaimer().Run(step, link);
        Assert.Equal(ReclaimResult.Failed, step.Result);
        Assert.Contains(link, step.Error);
        Assert.Equal(0, step.UsageBeforeBytes);
    }

    [Fact]
    public void A_symlinked_memory_reclaim_is_refused()
    {
        string dir = FakeCgroup("c");
        string target = Path.Combine(_root, "target");
        File.WriteAllText(target, "");
        File.Delete(Path.Combine(dir, "memory.reclaim"));
        File.CreateSymbolicLink(Path.Combine(dir, "memory.reclaim"), target);
        var step = Step();
        new CgroupReclaimer().Run(step, dir);
        Assert.Equal(ReclaimResult.Failed, step.Result);
        Assert.Equal("", File.ReadAllText(target));
    }
}
