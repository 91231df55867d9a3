using System.Diagnostics;
using OomWarden.Core.Detection;
using OomWarden.Core.Model;
using OomWarden.Core.Settings;
using OomWarden.Linux.Parsing;
using OomWarden.Linux.Processes;

namespace OomWarden.Linux.Tests.Processes;

/// <summary>tests/fixtures/huge-values: kernel numbers near 2^63 saturate instead of wrapping, an unparsable
/// oom_score_adj is marked (and so protected), and exe is the real /proc/PID/exe link or nothing.</summary>
public class HugeValuesTests
{
    [Fact]
    public void Footprint_of_three_times_two_to_the_62_saturates()
    {
        using var reader = new ProcessReader(Fixtures.Paths("huge-values"), CgroupVersion.V1);
        Assert.True(reader.TryRead(400, ProcessReadOptions.Default, out var hog));
        Assert.Equal(1L << 62, hog.RssBytes);
        Assert.Equal(1L << 62, hog.SwapBytes);
        Assert.Equal(long.MaxValue, hog.FootprintBytes);
        Assert.False(hog.OomScoreAdjUnreadable);
        Assert.Equal("/limited", hog.CgroupPath);
    }

    [Theory]
    [InlineData(401)] // "banana"
    [InlineData(402)] // "-5000": outside what the kernel accepts
    public void An_unparsable_oom_score_adj_is_marked_unreadable(int pid)
    {
        using var reader = new ProcessReader(Fixtures.Paths("huge-values"), CgroupVersion.V1);
        Assert.True(reader.TryRead(pid, ProcessReadOptions.Default, out var sample));
        Assert.True(sample.OomScoreAdjUnreadable);
        Assert.Equal(0, sample.OomScoreAdj);
        Assert.Equal("oom_score_adj unreadable", Core.Decisions.HardProtection.Reason(sample, Core.Decisions.SelectorOptions.Default));
    }

    [Fact]
    public void An_estimated_mem_available_from_a_huge_mem_free_is_no_kill()
    {
        // No MemAvailable line (a kernel before 3.14) and MemFree, Buffers, Cached near 2^63 bytes: the estimate
        // MemFree + Buffers + Cached wrapped negative, which read as "out of memory".
        Assert.True(MeminfoParser.TryParse(Fixtures.Bytes("huge-values", "proc/meminfo"), out var mem));
        Assert.True(mem.MemAvailableIsEstimate);
        Assert.Equal(mem.MemTotalBytes, mem.MemAvailableBytes);
        var reading = SystemEvaluator.Evaluate(mem, DaemonSettings.Default.System, 1L << 30);
        Assert.Equal(PressureLevel.None, reading.Level);
    }

    [Fact]
    public void Exe_is_the_real_link_of_a_live_process()
    {
        using var reader = new ProcessReader(HostPaths.Default, CgroupVersion.V1);
        Assert.True(reader.TryRead(Environment.ProcessId, ProcessReadOptions.Default, out var self));
        Assert.Equal(File.ResolveLinkTarget($"/proc/{Environment.ProcessId}/exe", returnFinalTarget: false)!.FullName, self.ExePath);
        Assert.Equal(Environment.ProcessPath, self.ExePath);
    }

    [Fact]
    public void A_zombie_has_no_exe()
    {
        // sh forks a child that exits at once and is not reaped while sh sleeps (exec replaces sh with sleep).
        var psi = new ProcessStartInfo("/bin/sh", ["-c", "/bin/true & exec sleep 5"]) { UseShellExecute = false };
        using var parent = Process.Start(psi)!;
        try
        {
            using var reader = new ProcessReader(HostPaths.Default, CgroupVersion.V1);
            int zombie = 0;
            for (int i = 0; i < 100 && zombie == 0; i++)
            {
                Thread.Sleep(20);
                foreach (var dir in Directory.GetDirectories("/proc"))
                {
                    if (!int.TryParse(Path.GetFileName(dir), out int pid)) continue;
                    string stat;
                    try { stat = File.ReadAllText(Path.Combine(dir, "stat")); }
                    catch (IOException) { continue; }
                    catch (UnauthorizedAccessException) { continue; }
                    var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                    if (fields[0] == "Z" && fields[1] == parent.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)) zombie = pid;
                }
            }
            Assert.True(zombie != 0, "no zombie child appeared");
            Assert.True(reader.TryRead(zombie, ProcessReadOptions.Default, out var sample));
            Assert.Null(sample.ExePath);
            var rule = new Core.Policy.RuleMatch { Exe = [Core.Policy.Glob.Compile("**")] };
            Assert.False(rule.Matches(sample));
        }
        finally
        {
            parent.Kill();
            parent.WaitForExit();
        }
    }
}
