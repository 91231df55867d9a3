using OomWarden.Core.Model;
using OomWarden.Linux.Parsing;
using OomWarden.Linux.Processes;

namespace OomWarden.Linux.Tests.Processes;

public class ProcessReaderTests
{
    [Theory]
    [InlineData(100, "a)))b", "a)))b")]
    [InlineData(101, "dotnet (with (p", "dotnet (with (parens)) sp(a)ce --flag")]
    [InlineData(102, "a\nb", "/usr/bin/a\nb")]
    [InlineData(103, "\uFFFD\uFFFDbad\uFFFD", "/opt/\uFFFD\uFFFD/bin arg")]
    [InlineData(104, "x) R 1 2 3 4", "x) R 1 2 3 4")]
    [InlineData(105, "my app", "my app --opt")]
    [InlineData(106, "", null)]
    public void Hostile_names(int pid, string comm, string? cmdline)
    {
        using var reader = new ProcessReader(Fixtures.Paths("hostile-comm"), CgroupVersion.V2);
        Assert.True(reader.TryRead(pid, ProcessReadOptions.Default, out var sample));
        Assert.Equal(pid, sample.Pid);
        Assert.Equal(comm, sample.Comm);
        Assert.Equal(cmdline, sample.CommandLine);
        Assert.Equal(6688, sample.ParentPid);
        Assert.Equal(59057UL, sample.StartTimeTicks);
        Assert.Equal(667, sample.KernelOomScore);
        Assert.Equal("/", sample.CgroupPath);
        Assert.False(sample.IsKernelThread);
        Assert.Equal(pid == 106 ? null : "/usr/bin/sleep", sample.ExePath);
    }

    [Fact]
    public void Kernel_thread_reads_stat_only()
    {
        using var reader = new ProcessReader(Fixtures.Paths("hostile-comm"), CgroupVersion.V2);
        Assert.True(reader.TryRead(107, ProcessReadOptions.Default, out var sample));
        Assert.True(sample.IsKernelThread);
        Assert.Equal("kworker/0:1-ev", sample.Comm);
        Assert.Null(sample.CommandLine);
        Assert.Null(sample.ExePath);
        Assert.Equal(0, sample.FootprintBytes);
    }

    [Fact]
    public void Memory_figures_from_status_or_statm()
    {
        var paths = Fixtures.Paths("kernel-6.1-v2");
        using var reader = new ProcessReader(paths, CgroupVersion.V2);
        Assert.True(ProcStatusParser.TryParse(Fixtures.Bytes("kernel-6.1-v2", "proc/134/status"), out var status));
        Assert.True(reader.TryRead(134, ProcessReadOptions.Default, out var full));
        Assert.Equal(status.VmRssBytes, full.RssBytes);
        Assert.Equal(status.VmPteBytes, full.PageTablesBytes);
        Assert.Equal(status.VmSwapBytes, full.SwapBytes);
        Assert.Equal(0, full.Uid);
        Assert.Equal("/work.slice/app.service", full.CgroupPath);
        Assert.Equal("sleep 300", full.CommandLine);
        Assert.Equal("/usr/bin/sleep", full.ExePath);

        Assert.True(reader.TryRead(134, ProcessReadOptions.Statm, out var light));
        Assert.Equal(status.VmRssBytes, light.RssBytes); // 4 KiB pages in the guest
        Assert.Equal(-1, light.Uid);
        Assert.Equal(-1, light.KernelOomScore);
        Assert.Null(light.CommandLine);
        Assert.Equal("/", light.CgroupPath);
    }

    [Fact]
    public void Page_size_is_injectable()
    {
        var paths = new HostPaths(Fixtures.Paths("kernel-6.1-v2").ProcRoot, Fixtures.Paths("kernel-6.1-v2").SysRoot) { PageSizeBytes = 65536 };
        using var reader = new ProcessReader(paths, CgroupVersion.V2);
        Assert.True(StatmParser.TryParse(Fixtures.Bytes("kernel-6.1-v2", "proc/134/statm"), out var statm));
        Assert.True(reader.TryRead(134, ProcessReadOptions.Statm, out var sample));
        Assert.Equal(statm.ResidentPages * 65536, sample.RssBytes);
    }

    [Fact]
    public void Hybrid_host_uses_the_v1_memory_line()
    {
        var pid = int.Parse(File.ReadAllText(Path.Combine(Fixtures.Dir("kernel-6.18-hybrid"), "sleep-pid.txt")));
        using var v1 = new ProcessReader(Fixtures.Paths("kernel-6.18-hybrid"), CgroupVersion.V1);
        Assert.True(v1.TryRead(pid, ProcessReadOptions.Cgroup, out var sample));
        Assert.Equal("/linuxhelper-fixture", sample.CgroupPath);
        using var v2 = new ProcessReader(Fixtures.Paths("kernel-6.18-hybrid"), CgroupVersion.V2);
        Assert.True(v2.TryRead(pid, ProcessReadOptions.Cgroup, out sample));
        Assert.Equal("/", sample.CgroupPath);
    }

    [Theory]
    [InlineData(201)] // /proc dir whose stat is gone
    [InlineData(202)] // no /proc dir
    [InlineData(0)]
    [InlineData(-5)]
    public void Vanished_pids_are_false_not_exceptions(int pid)
    {
        using var reader = new ProcessReader(Fixtures.Paths("vanishing"), CgroupVersion.V2);
        Assert.False(reader.TryRead(pid, ProcessReadOptions.Default, out var sample));
        Assert.Null(sample);
        Assert.False(reader.TryReadIdentity(pid, out _));
        Assert.Null(reader.LastError); // an exit is not an error
    }

    [Fact]
    public void Pid_that_exits_between_stat_and_status_is_false()
    {
        using var tree = new TempTree("vanishing");
        File.Delete(tree.PathOf("proc/200/status"));
        using var reader = new ProcessReader(tree.Paths, CgroupVersion.V2);
        Assert.False(reader.TryRead(200, ProcessReadOptions.Default, out _));
        Assert.True(reader.TryRead(200, ProcessReadOptions.Statm, out _));
    }

    [Fact]
    public void Identity_is_the_start_time_and_allocates_nothing()
    {
        using var reader = new ProcessReader(Fixtures.Paths("hostile-comm"), CgroupVersion.V2);
        Assert.True(reader.TryReadIdentity(104, out ulong start));
        Assert.Equal(59057UL, start);
        Assert.Equal(0, Allocation.Measure(10_000, () => reader.TryReadIdentity(104, out _)));
    }

    [Fact]
    public void Real_self()
    {
        var layout = OomWarden.Linux.Cgroups.CgroupLayoutReader.Read(HostPaths.Default);
        using var reader = new ProcessReader(HostPaths.Default, layout.MemoryVersion);
        Assert.True(reader.TryRead(Environment.ProcessId, ProcessReadOptions.Default, out var self));
        Assert.Equal(Environment.ProcessId, self.Pid);
        Assert.True(self.RssBytes > 10 << 20, $"rss {self.RssBytes}");
        Assert.Equal(Environment.ProcessPath, self.ExePath);
        Assert.Equal(File.ReadAllText("/proc/self/oom_score_adj").Trim(), self.OomScoreAdj.ToString());
        Assert.Equal(Cgroups.CgroupTreeReaderTests.OwnMemoryCgroup(layout), self.CgroupPath);
        Assert.True(reader.TryReadIdentity(Environment.ProcessId, out ulong start));
        Assert.Equal(self.StartTimeTicks, start);
        Assert.True(reader.TryRead(1, ProcessReadOptions.Default, out var init));
        Assert.Equal(0, init.ParentPid);
    }

    [Fact]
    public void Real_child_that_exits_reads_false()
    {
        using var child = System.Diagnostics.Process.Start("sleep", "30");
        using var reader = new ProcessReader(HostPaths.Default, CgroupVersion.V1);
        // .NET returns from Start when exec closes the CLOEXEC pipe, a moment before the kernel has set the new
        // argument area: cmdline can read empty for that moment.
        ProcessSample? sample = null;
        for (int i = 0; i < 200 && sample?.CommandLine is null; i++)
        {
            Assert.True(reader.TryRead(child.Id, ProcessReadOptions.Default, out sample));
            if (sample.CommandLine is null) Thread.Sleep(10);
        }
        Assert.Equal("sleep", sample!.Comm);
        Assert.Equal("sleep 30", sample.CommandLine);
        child.Kill();
        child.WaitForExit();
        Assert.False(reader.TryRead(child.Id, ProcessReadOptions.Default, out _));
        Assert.False(reader.TryReadIdentity(child.Id, out _));
    }

    [Theory]
    [InlineData(200, false)]  // alive
    [InlineData(201, true)]   // zombie (state Z)
    [InlineData(202, true)]   // in do_exit: PF_EXITING, memory still listed
    [InlineData(203, true)]   // D state with SIGKILL pending
    public void Exiting_is_read_from_the_state_the_exit_flag_and_a_pending_SIGKILL(int pid, bool exiting)
    {
        using var reader = new ProcessReader(Fixtures.Paths("dying-victims"), CgroupVersion.V2);
        Assert.True(reader.TryRead(pid, ProcessReadOptions.Default, out var sample));
        Assert.Equal(exiting, sample.Exiting);
        Assert.True(reader.TryRead(pid, ProcessReadOptions.Statm, out var light));
        Assert.Equal(pid is 201 or 202, light.Exiting);  // without status, a pending SIGKILL is not seen
    }

    [Fact]
    public void Real_zombie_is_exiting_and_its_parent_is_not()
    {
        // The shell's background child exits at once; the shell then becomes sleep, which never reaps it.
        var start = new System.Diagnostics.ProcessStartInfo("sh", ["-c", "sleep 0 & echo $!; exec sleep 30"]) { RedirectStandardOutput = true };
        using var parent = System.Diagnostics.Process.Start(start)!;
        try
        {
            int zombie = int.Parse(parent.StandardOutput.ReadLine()!, System.Globalization.CultureInfo.InvariantCulture);
            using var reader = new ProcessReader(HostPaths.Default, CgroupVersion.V1);
            ProcessSample? sample = null;
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            while (DateTime.UtcNow < deadline && !(reader.TryRead(zombie, ProcessReadOptions.Default, out sample) && sample.Exiting))
                Thread.Sleep(20);
            Assert.NotNull(sample);
            Assert.True(sample.Exiting, "the unreaped child never read as exiting");
            Assert.Equal(0, sample.FootprintBytes);
            Assert.True(reader.TryRead(parent.Id, ProcessReadOptions.Default, out var alive));
            Assert.False(alive.Exiting);
        }
        finally
        {
            parent.Kill();
            parent.WaitForExit();
        }
    }
}
