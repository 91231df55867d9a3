using System.Diagnostics;
using System.Globalization;
using OomWarden.Linux.Actions;
using OomWarden.Linux.Cgroups;
using OomWarden.Linux.Parsing;
using OomWarden.Linux.Processes;

namespace OomWarden.Linux.Tests.Actions;

/// <summary>CgroupKiller's v1 path (stop until stable, then kill, until cgroup.procs is empty) on this host's real
/// v1 memory controller; membership is proven before any signal; the cgroup is reached through a directory fd.</summary>
public sealed class CgroupKillerTests
{
    private const string MemoryMount = "/sys/fs/cgroup/memory";

    private static void RequireV1()
    {
        if (Environment.UserName != "root") Assert.Skip("needs root to create a memory cgroup");
        if (!File.Exists(Path.Combine(MemoryMount, "memory.limit_in_bytes"))) Assert.Skip($"no cgroup v1 memory controller at {MemoryMount}");
    }

    [Fact]
    public void Empties_a_v1_cgroup_whose_processes_keep_forking()
    {
        RequireV1();
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

            var outcome = new CgroupKiller(reader).KillAll("/" + name, dir, CgroupVersion.V1);

            Assert.Equal(KillResult.Exited, outcome.Result);
            Assert.Null(outcome.Error);
            Assert.Equal(0, outcome.Survivors);
            Assert.True(outcome.Signalled >= 3, outcome.Describe());
            Assert.Empty(tree.ReadPids("/" + name));
        }
        finally
        {
            Cleanup(dir, started);
        }
    }

    [Fact]
    public void A_cgroup_recreated_under_the_same_name_is_not_the_one_killed()
    {
        RequireV1();
        string name = "oomwarden-ck-" + Guid.NewGuid().ToString("N")[..8];
        string dir = Path.Combine(MemoryMount, name);
        Directory.CreateDirectory(dir);
        var started = new List<Process>();
        try
        {
            var layout = CgroupLayoutReader.Read(HostPaths.Default);
            using var reader = new ProcessReader(HostPaths.Default, layout.MemoryVersion);
            // The decision names the cgroup; then it is removed and a new one made under the same name.
            using var target = CgroupKillTarget.TryOpen("/" + name, dir, CgroupVersion.V1, out int errno);
            Assert.NotNull(target);
            Directory.Delete(dir);
            Directory.CreateDirectory(dir);
            var innocent = Process.Start("/bin/sh", ["-c", $"echo $$ > {dir}/cgroup.procs; exec sleep 30"])!;
            started.Add(innocent);
            var sw = Stopwatch.StartNew();
            while (File.ReadAllText(Path.Combine(dir, "cgroup.procs")).Trim().Length == 0 && sw.Elapsed < TimeSpan.FromSeconds(5)) Thread.Sleep(10);

            var outcome = new CgroupKiller(reader).KillAll(target!);

            Assert.Equal(KillResult.Vanished, outcome.Result);
            Assert.Equal(0, outcome.Signalled);
            Thread.Sleep(100);
            Assert.False(innocent.HasExited, "a process of the re-created cgroup was killed");
        }
        finally
        {
            Cleanup(dir, started);
        }
    }

    [Fact]
    public void A_listed_pid_that_is_not_a_member_is_never_signalled_and_is_reported()
    {
        // A directory standing in for a cgroup whose cgroup.procs names a process that lives elsewhere (as a
        // recycled pid or one moved out after the listing would): membership is checked after pidfd_open.
        string dir = Path.Combine(Path.GetTempPath(), "oomwarden-ck-fake-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        var bystander = Process.Start("/bin/sleep", ["30"])!;
        try
        {
            File.WriteAllText(Path.Combine(dir, "cgroup.procs"), bystander.Id.ToString(CultureInfo.InvariantCulture) + "\n");
            var layout = CgroupLayoutReader.Read(HostPaths.Default);
            if (layout.MemoryVersion == CgroupVersion.None) Assert.Skip("no memory controller mounted");
            using var reader = new ProcessReader(HostPaths.Default, layout.MemoryVersion);
            var killer = new CgroupKiller(reader) { Bound = TimeSpan.FromMilliseconds(300), MaxPasses = 2 };

            var outcome = killer.KillAll("/oomwarden-not-this-one", dir, CgroupVersion.V1);

            Assert.False(bystander.HasExited, "a non-member was killed");
            Assert.Equal(KillResult.StillAlive, outcome.Result);
            Assert.Equal(1, outcome.Survivors);
            Assert.Equal([bystander.Id], outcome.SurvivorPids);
            Assert.True(outcome.NotMembers >= 1, outcome.Describe());
            Assert.Equal(0, outcome.Signalled);
            Assert.Contains("1 survivor(s)", outcome.Describe());
        }
        finally
        {
            bystander.Kill();
            bystander.Dispose();
            Directory.Delete(dir, recursive: true);
        }
    }

    private static void Cleanup(string dir, List<Process> started)
    {
        foreach (var line in File.Exists(Path.Combine(dir, "cgroup.procs")) ? File.ReadAllLines(Path.Combine(dir, "cgroup.procs")) : [])
            if (int.TryParse(line, out int pid)) try { Process.GetProcessById(pid).Kill(); } catch (ArgumentException) { } catch (InvalidOperationException) { }
        foreach (var p in started) { try { p.Kill(); } catch (InvalidOperationException) { } p.Dispose(); }
        for (int i = 0; i < 50 && Directory.Exists(dir); i++)
        {
            try { Directory.Delete(dir); break; }
            catch (IOException) { Thread.Sleep(50); }
        }
    }
}
