using System.Diagnostics;
using System.Globalization;
using OomWarden.Linux.Actions;
using OomWarden.Linux.Cgroups;
using OomWarden.Linux.Processes;

namespace OomWarden.Linux.Tests.Actions;

/// <summary>CgroupKiller's v1 path (stop until stable, then kill) on this host's real v1 memory controller,
/// against a shell that keeps forking.</summary>
public sealed class CgroupKillerTests
{
    private const string MemoryMount = "/sys/fs/cgroup/memory";

    [Fact]
    public void Empties_a_v1_cgroup_whose_processes_keep_forking()
    {
        if (Environment.UserName != "root") Assert.Skip("needs root to create a memory cgroup");
        if (!File.Exists(Path.Combine(MemoryMount, "memory.limit_in_bytes"))) Assert.Skip($"no cgroup v1 memory controller at {MemoryMount}");

        string name = "oomwarden-ck-" + Guid.NewGuid().ToString("N")[..8];
        string dir = Path.Combine(MemoryMount, name);
        Directory.CreateDirectory(dir);
        var started = new List<Process>();
        try
        {
            File.WriteAllText(Path.Combine(dir, "memory.limit_in_bytes"), (64L << 20).ToString(CultureInfo.InvariantCulture));
            for (int i = 0; i < 3; i++)
            {
                // Each shell forks a sleeping child every 10 ms for up to 60 s.
                started.Add(Process.Start("/bin/sh", ["-c", $"echo $$ > {dir}/cgroup.procs; i=0; while [ $i -lt 6000 ]; do sleep 60 & i=$((i+1)); sleep 0.01; done"])!);
            }
            Thread.Sleep(500);
            var layout = CgroupLayoutReader.Read(HostPaths.Default);
            var tree = new CgroupTreeReader(HostPaths.Default, layout);
            using var reader = new ProcessReader(HostPaths.Default, layout.MemoryVersion);
            Assert.True(tree.ReadPids("/" + name).Count >= 3);

            var killer = new CgroupKiller(tree.ReadPids, reader.TryReadIdentity);
            int killed = killer.KillAll("/" + name, dir, isV2: false, out string? error);

            Assert.Null(error);
            Assert.True(killed >= 3);
            var deadline = Stopwatch.StartNew();
            while (tree.ReadPids("/" + name).Count > 0 && deadline.Elapsed < TimeSpan.FromSeconds(5)) Thread.Sleep(20);
            Assert.Empty(tree.ReadPids("/" + name));
        }
        finally
        {
            foreach (var line in File.Exists(Path.Combine(dir, "cgroup.procs")) ? File.ReadAllLines(Path.Combine(dir, "cgroup.procs")) : [])
                if (int.TryParse(line, out int pid)) try { Process.GetProcessById(pid).Kill(); } catch (ArgumentException) { } catch (InvalidOperationException) { }
            foreach (var p in started) { try { p.Kill(); } catch (InvalidOperationException) { } p.Dispose(); }
            for (int i = 0; i < 50; i++)
            {
                try { Directory.Delete(dir); break; }
                catch (IOException) { Thread.Sleep(50); }
            }
        }
    }
}
