using System.Diagnostics;
using System.Globalization;
using OomWarden.Linux.Actions;
using OomWarden.Linux.Cgroups;
using OomWarden.Linux.Loop;
using OomWarden.Linux.Parsing;
using OomWarden.Linux.Processes;

namespace OomWarden.Linux.Tests.Actions;

/// <summary>The cgroup killer off the loop, on this host's real v1 memory and freezer controllers: a cgroup whose
/// task cannot exit (it is frozen, so SIGKILL stays pending) keeps the killer busy until its bound, while the loop
/// goes on waking for other descriptors; the outcome arrives on the loop's thread afterwards.</summary>
public sealed class CgroupKillWorkerTests
{
    private const string MemoryMount = "/sys/fs/cgroup/memory";
    private const string FreezerMount = "/sys/fs/cgroup/freezer";

    [Fact]
    public void A_kill_that_waits_for_a_frozen_task_does_not_hold_the_loop()
    {
        if (Environment.UserName != "root") Assert.Skip("needs root to create cgroups");
        if (!File.Exists(Path.Combine(MemoryMount, "memory.limit_in_bytes"))) Assert.Skip($"no cgroup v1 memory controller at {MemoryMount}");
        if (!File.Exists(Path.Combine(FreezerMount, "cgroup.procs"))) Assert.Skip($"no cgroup v1 freezer at {FreezerMount}");
        string name = "oomwarden-kw-" + Guid.NewGuid().ToString("N")[..8];
        string memDir = Path.Combine(MemoryMount, name);
        string frzDir = Path.Combine(FreezerMount, name);
        Directory.CreateDirectory(memDir);
        Directory.CreateDirectory(frzDir);
        Process? victim = null;
        try
        {
            victim = Process.Start("/bin/sh", ["-c", $"echo $$ > {memDir}/cgroup.procs; echo $$ > {frzDir}/cgroup.procs; exec sleep 60"])!;
            var sw = Stopwatch.StartNew();
            while (File.ReadAllText(Path.Combine(frzDir, "cgroup.procs")).Trim().Length == 0 && sw.Elapsed < TimeSpan.FromSeconds(10)) Thread.Sleep(10);
            File.WriteAllText(Path.Combine(frzDir, "freezer.state"), "FROZEN");
            sw.Restart();
            while (File.ReadAllText(Path.Combine(frzDir, "freezer.state")).Trim() != "FROZEN" && sw.Elapsed < TimeSpan.FromSeconds(10)) Thread.Sleep(10);

            var layout = CgroupLayoutReader.Read(HostPaths.Default);
            using var reader = new ProcessReader(HostPaths.Default, layout.MemoryVersion);
            var killer = new CgroupKiller(reader) { Bound = TimeSpan.FromSeconds(3), MaxPasses = 2 };
            using var loop = new EventLoop();
            using var worker = new CgroupKillWorker(killer, loop);
            int loopThread = Environment.CurrentManagedThreadId;
            CgroupKillOutcome? outcome = null;
            int deliveredOn = 0;

            var started = Stopwatch.StartNew();
            worker.Start("/" + name, memDir, CgroupVersion.V1, o => { outcome = o; deliveredOn = Environment.CurrentManagedThreadId; });
            var startReturned = started.Elapsed;
            int turns = 0;
            while (outcome is null && started.Elapsed < TimeSpan.FromSeconds(30))
            {
                loop.RunOnce(TimeSpan.FromMilliseconds(50));
                turns++;
            }

            Assert.NotNull(outcome);
            Assert.True(startReturned < TimeSpan.FromSeconds(1), $"Start took {startReturned}");
            // The killer waited about its bound; the loop turned all along (50 ms timeouts), not once after it.
            Assert.True(started.Elapsed >= TimeSpan.FromSeconds(2.5), $"the outcome came after {started.Elapsed}");
            Assert.True(turns >= 20, $"the loop turned {turns} times while the kill ran");
            Assert.Equal(loopThread, deliveredOn);
            Assert.Equal(KillResult.StillAlive, outcome.Value.Result);
            Assert.Equal(0, worker.Pending);
        }
        finally
        {
            if (Directory.Exists(frzDir)) File.WriteAllText(Path.Combine(frzDir, "freezer.state"), "THAWED");
            if (victim is not null) { try { victim.Kill(); victim.WaitForExit(5000); } catch (InvalidOperationException) { } victim.Dispose(); }
            foreach (var dir in new[] { frzDir, memDir })
                for (int i = 0; i < 100 && Directory.Exists(dir); i++)
                {
                    try { Directory.Delete(dir); break; }
                    catch (IOException) { Thread.Sleep(50); }
                }
        }
    }
}
