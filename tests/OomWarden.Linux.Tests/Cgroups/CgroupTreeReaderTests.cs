using OomWarden.Core.Model;
using OomWarden.Linux.Cgroups;
using OomWarden.Linux.Parsing;

namespace OomWarden.Linux.Tests.Cgroups;

public class CgroupTreeReaderTests
{
    private static CgroupTreeReader Reader(string scenario)
    {
        var paths = Fixtures.Paths(scenario);
        return new CgroupTreeReader(paths, CgroupLayoutReader.Read(paths));
    }

    [Fact]
    public void Layout_reader_refines_with_cgroup_controllers()
    {
        var hybrid = CgroupLayoutReader.Read(Fixtures.Paths("kernel-6.18-hybrid"));
        Assert.Equal(CgroupLayoutKind.Hybrid, hybrid.Kind);
        Assert.Equal(CgroupVersion.V1, hybrid.MemoryVersion);
        Assert.Equal("hugetlb", hybrid.V2Controllers);
        var v2 = CgroupLayoutReader.Read(Fixtures.Paths("kernel-6.1-v2"));
        Assert.Equal(CgroupVersion.V2, v2.MemoryVersion);
        Assert.Contains("memory", v2.V2Controllers);
        Assert.False(CgroupLayoutReader.TryRead(Fixtures.Paths("no-such-case"), out _, out var error));
        Assert.Contains("mountinfo", error);
    }

    [Fact]
    public void Hybrid_host_tree()
    {
        var tree = Reader("kernel-6.18-hybrid").ReadTree()!;
        Assert.Equal("/", tree.Path);
        Assert.Equal(["/linuxhelper-fixture", "/process_api"], tree.Children.Select(c => c.Path));
        Assert.Equal("/process_api/888669ff1c734d46fd9d56a1810831ae", tree.Children[1].Children.Single().Path);
        Assert.Equal(268435456, tree.Find("/linuxhelper-fixture")!.Memory.LimitBytes);
        Assert.False(tree.Memory.HasLimit);
    }

    [Fact]
    public void V2_vm_tree_and_subtree()
    {
        var reader = Reader("kernel-6.1-v2");
        var tree = reader.ReadTree()!;
        Assert.Equal(["/", "/work.slice", "/work.slice/app.service"], tree.DescendantsAndSelf().Select(n => n.Path));
        var sub = reader.ReadTree("/work.slice/")!;
        Assert.Equal("/work.slice", sub.Path);
        Assert.Equal(201326592, sub.Children.Single().Memory.HighBytes);
        Assert.Null(reader.ReadTree("/nope"));
    }

    [Fact]
    public void Removed_cgroup_is_left_out_of_the_walk()
    {
        var tree = Reader("vanishing").ReadTree()!;
        Assert.Equal(["/", "/app.slice", "/app.slice/live.scope"], tree.DescendantsAndSelf().Select(n => n.Path));
    }

    [Fact]
    public void V2_root_without_memory_files_is_still_the_root()
    {
        var tree = Reader("vanishing").ReadTree()!;
        Assert.Equal(0, tree.Memory.UsageBytes);
        Assert.False(tree.Memory.HasLimit);
        Assert.Equal(104857600, tree.Children.Single().Memory.UsageBytes);
    }

    [Theory]
    [InlineData("huge-values", new[] { "/limited" })]
    [InlineData("kernel-6.18-hybrid", new[] { "/linuxhelper-fixture" })]
    [InlineData("kernel-6.1-v2", new[] { "/work.slice" })]
    [InlineData("vanishing", new[] { "/app.slice", "/app.slice/live.scope" })]
    public void Limited_cgroups(string scenario, string[] expected)
    {
        Assert.Equal(expected, Reader(scenario).ListLimitedCgroups().Select(n => n.Path));
    }

    [Fact]
    public void Pids_from_cgroup_procs()
    {
        var reader = Reader("kernel-6.18-hybrid");
        var sleepPid = int.Parse(File.ReadAllText(Path.Combine(Fixtures.Dir("kernel-6.18-hybrid"), "sleep-pid.txt")));
        Assert.Equal([sleepPid], reader.ReadPids("/linuxhelper-fixture"));
        Assert.Equal([1, 2], reader.ReadPids("/"));
        Assert.Empty(reader.ReadPids("/gone"));
        Assert.False(reader.TryReadPids("/gone", []));
        Assert.Equal([200, 201, 202], Reader("vanishing").ReadPids("/app.slice/live.scope"));
    }

    [Fact]
    public void V1_falls_back_to_tasks()
    {
        using var tree = new TempTree("kernel-6.18-hybrid");
        File.Delete(tree.PathOf("sys/fs/cgroup/memory/cgroup.procs"));
        var reader = new CgroupTreeReader(tree.Paths, CgroupLayoutReader.Read(tree.Paths));
        Assert.Equal([1, 2], reader.ReadPids("/"));
    }

    [Fact]
    public void Without_memory_controller_the_root_holds_every_process()
    {
        using var tree = new TempTree("hostile-comm");
        File.WriteAllText(tree.PathOf("proc/self/mountinfo"), "26 1 254:0 / / rw - ext4 /dev/vda rw\n");
        var reader = new CgroupTreeReader(tree.Paths, CgroupLayoutReader.Read(tree.Paths));
        Assert.False(reader.HasMemoryController);
        Assert.Equal("/", reader.ReadTree()!.Path);
        Assert.Equal([100, 101, 102, 103, 104, 105, 106, 107], reader.ReadPids("/").Order());
        Assert.False(reader.TryReadMemory("/", out _));
    }

    [Fact]
    public void Real_host_tree()
    {
        if (!File.Exists("/proc/self/mountinfo")) Assert.Skip("no /proc here");
        var layout = CgroupLayoutReader.Read(HostPaths.Default);
        if (layout.MemoryVersion == CgroupVersion.None) Assert.Skip("no memory controller mounted: " + layout);
        var reader = new CgroupTreeReader(HostPaths.Default, layout);
        var tree = reader.ReadTree();
        Assert.NotNull(tree);
        Assert.Contains(Environment.ProcessId, reader.ReadPids(OwnMemoryCgroup(layout)));
        foreach (var node in reader.ListLimitedCgroups()) Assert.True(node.Memory.LimitBytes < CgroupMemory.Unlimited);
    }

    internal static string OwnMemoryCgroup(CgroupLayout layout)
    {
        Assert.True(ProcCgroupParser.TryParse(File.ReadAllBytes("/proc/self/cgroup"), out var cg));
        return cg.MemoryPath(layout.MemoryVersion);
    }
}
