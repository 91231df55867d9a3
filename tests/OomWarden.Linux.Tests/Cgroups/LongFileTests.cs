using System.Globalization;
using System.Text;
using OomWarden.Linux.Cgroups;
using OomWarden.Linux.Parsing;

namespace OomWarden.Linux.Tests.Cgroups;

/// <summary>Files far longer than a page, on a copy of the 6.18 hybrid fixture: a cgroup.procs of 10,000 pids
/// and a 200 KB mountinfo whose memory controller line comes last.</summary>
public sealed class LongFileTests
{
    [Fact]
    public void Cgroup_procs_of_10000_pids_lists_them_all()
    {
        using var tree = new TempTree("kernel-6.18-hybrid");
        var sb = new StringBuilder();
        for (int i = 0; i < 10_000; i++) sb.Append((20_000 + i).ToString(CultureInfo.InvariantCulture)).Append('\n');
        File.WriteAllText(tree.PathOf("sys/fs/cgroup/memory/linuxhelper-fixture/cgroup.procs"), sb.ToString());

        var reader = new CgroupTreeReader(tree.Paths, CgroupLayoutReader.Read(tree.Paths));
        var pids = new List<int>();
        Assert.True(reader.TryReadPids("/linuxhelper-fixture", pids));
        Assert.Equal(10_000, pids.Count);
        Assert.Equal(20_000, pids[0]);
        Assert.Equal(29_999, pids[^1]);
        Assert.Null(reader.LastError);
    }

    [Fact]
    public void Mountinfo_of_200_KB_with_the_memory_line_last_finds_the_memory_controller()
    {
        using var tree = new TempTree("kernel-6.18-hybrid");
        string mountinfo = tree.PathOf("proc/self/mountinfo");
        var original = File.ReadAllLines(mountinfo);
        var memoryLine = original.Single(l => l.Contains(" - cgroup cgroup rw,memory", StringComparison.Ordinal));
        var sb = new StringBuilder();
        foreach (var line in original.Where(l => l != memoryLine)) sb.Append(line).Append('\n');
        for (int i = 0; sb.Length < 200_000; i++)
            sb.Append(CultureInfo.InvariantCulture, $"{1000 + i} 26 0:{500 + i} / /run/k8s/pods/{i:D6}/volumes/kubernetes.io~secret/token rw,relatime - tmpfs tmpfs rw,size=4096k\n");
        sb.Append(memoryLine).Append('\n');
        File.WriteAllText(mountinfo, sb.ToString());
        Assert.True(new FileInfo(mountinfo).Length >= 200_000);

        var layout = CgroupLayoutReader.Read(tree.Paths);
        Assert.Equal(CgroupVersion.V1, layout.MemoryVersion);
        var reader = new CgroupTreeReader(tree.Paths, layout);
        Assert.Equal(268435456, reader.ReadTree()!.Find("/linuxhelper-fixture")!.Memory.LimitBytes);
    }

    [Fact]
    public void Meminfo_longer_than_a_page_is_read_whole()
    {
        using var tree = new TempTree("kernel-6.18-hybrid");
        string path = tree.PathOf("proc/meminfo");
        // Lines a future kernel might add before the ones we need; MemAvailable moved to the very end.
        var lines = File.ReadAllLines(path).ToList();
        var available = lines.Single(l => l.StartsWith("MemAvailable:", StringComparison.Ordinal));
        lines.Remove(available);
        for (int i = 0; i < 300; i++) lines.Add($"FutureCounter{i}:      {i} kB");
        lines.Add(available);
        File.WriteAllLines(path, lines);
        Assert.True(new FileInfo(path).Length > 8192);

        using var reader = new OomWarden.Linux.Readers.MeminfoReader(tree.Paths);
        Assert.True(reader.TryRead(out var info), reader.LastError);
        Assert.Equal(long.Parse(available.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024, info.MemAvailableBytes);
        Assert.Null(reader.LastError);
    }
}
