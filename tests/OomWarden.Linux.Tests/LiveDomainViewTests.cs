using OomWarden.Core.Model;
using OomWarden.Linux.Cgroups;
using OomWarden.Linux.Processes;
using OomWarden.Linux.Readers;

namespace OomWarden.Linux.Tests;

public class LiveDomainViewTests
{
    private static (CgroupTreeReader, ProcessReader) Readers(HostPaths paths)
    {
        var layout = CgroupLayoutReader.Read(paths);
        return (new CgroupTreeReader(paths, layout), new ProcessReader(paths, layout.MemoryVersion));
    }

    [Fact]
    public void Cgroup_domain_skips_vanished_pids()
    {
        var (cgroups, processes) = Readers(Fixtures.Paths("vanishing"));
        using var _ = processes;
        var view = LiveDomainView.ForCgroup("/app.slice", cgroups, processes)!;
        Assert.Equal(Domain.ForCgroup("/app.slice"), view.Domain);
        Assert.Equal(1073741824, view.DomainTotalBytes);
        var live = view.Root.Find("/app.slice/live.scope")!;
        var found = view.ProcessesIn(live);
        Assert.Equal([200], found.Select(p => p.Pid));
        Assert.Same(found, view.ProcessesIn(live)); // cached for the view's life
        Assert.Empty(view.ProcessesIn(view.Root));
    }

    [Fact]
    public void Unlimited_or_missing_cgroup_is_no_domain()
    {
        var (cgroups, processes) = Readers(Fixtures.Paths("kernel-6.1-v2"));
        using var _ = processes;
        Assert.Null(LiveDomainView.ForCgroup("/work.slice/app.service", cgroups, processes));
        Assert.Null(LiveDomainView.ForCgroup("/gone", cgroups, processes));
        Assert.NotNull(LiveDomainView.ForCgroup("/work.slice", cgroups, processes));
    }

    [Fact]
    public void System_domain_on_hybrid_v1_root_excludes_kernel_threads()
    {
        var paths = Fixtures.Paths("kernel-6.18-hybrid");
        var (cgroups, processes) = Readers(paths);
        using var _ = processes;
        using var meminfo = new MeminfoReader(paths);
        Assert.True(meminfo.TryRead(out var memory));
        var view = LiveDomainView.ForSystem(cgroups, processes, memory)!;
        Assert.Equal(Domain.System, view.Domain);
        Assert.Equal(memory.MemTotalBytes + memory.SwapTotalBytes, view.DomainTotalBytes);
        Assert.Equal([1], view.ProcessesIn(view.Root).Select(p => p.Pid));
        var withKernel = new LiveDomainView(Domain.System, view.Root, view.DomainTotalBytes, cgroups, processes) { IncludeKernelThreads = true };
        Assert.Equal([1, 2], withKernel.ProcessesIn(view.Root).Select(p => p.Pid));
        var sleepPid = int.Parse(File.ReadAllText(Path.Combine(Fixtures.Dir("kernel-6.18-hybrid"), "sleep-pid.txt")));
        Assert.Equal([sleepPid], view.ProcessesIn(view.Root.Find("/linuxhelper-fixture")!).Select(p => p.Pid));
        Assert.Empty(view.ProcessesIn(view.Root.Find("/process_api/888669ff1c734d46fd9d56a1810831ae")!)); // pids not copied
    }

    [Fact]
    public void Filter_hook_restricts_processes()
    {
        var (cgroups, processes) = Readers(Fixtures.Paths("kernel-6.1-v2"));
        using var _ = processes;
        var view = LiveDomainView.ForCgroup("/work.slice", cgroups, processes, p => p.Comm != "sleep")!;
        Assert.Empty(view.ProcessesIn(view.Root.Children.Single()));
        var unfiltered = LiveDomainView.ForCgroup("/work.slice", cgroups, processes)!;
        Assert.Equal([134], unfiltered.ProcessesIn(unfiltered.Root.Children.Single()).Select(p => p.Pid));
    }

    [Fact]
    public void Moved_process_is_not_counted_in_its_old_cgroup()
    {
        using var tree = new TempTree("kernel-6.1-v2");
        File.WriteAllText(tree.PathOf("proc/134/cgroup"), "0::/elsewhere\n");
        var (cgroups, processes) = Readers(tree.Paths);
        using var _ = processes;
        var view = LiveDomainView.ForCgroup("/work.slice", cgroups, processes)!;
        Assert.Empty(view.ProcessesIn(view.Root.Children.Single()));
    }

    [Fact]
    public void Real_host_system_view_finds_this_process()
    {
        var paths = HostPaths.Default;
        var (cgroups, processes) = Readers(paths);
        using var _ = processes;
        using var meminfo = new MeminfoReader(paths);
        Assert.True(meminfo.TryRead(out var memory));
        var view = LiveDomainView.ForSystem(cgroups, processes, memory)!;
        Assert.NotNull(view);
        var own = Cgroups.CgroupTreeReaderTests.OwnMemoryCgroup(cgroups.Layout);
        var node = view.Root.Find(own);
        if (node is null) Assert.Skip($"own memory cgroup {own} not visible under the mounted hierarchy");
        Assert.Contains(view.ProcessesIn(node), p => p.Pid == Environment.ProcessId);
    }
}
