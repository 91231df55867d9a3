using System.Text;
using OomWarden.KernelLog.Model;
using OomWarden.KernelLog.Parsing;

namespace OomWarden.KernelLog.Tests;

/// <summary>
/// The rules the corpus cannot show (no captured report has them) and the thresholds of those it can: synthetic
/// Mem-Info around a fixed kill line.
/// Each test also checks the rule stays quiet just under its threshold.
/// </summary>
public class DiagnosisTests
{
    private static OomReport Global(string memInfo, string extra = "", int order = 0, string swap = "Total swap = 0kB")
    {
        string text = $"""
            hog invoked oom-killer: gfp_mask=0x140dca(GFP_HIGHUSER_MOVABLE|__GFP_COMP|__GFP_ZERO), order={order}, oom_score_adj=0
            CPU: 0 PID: 209 Comm: hog Not tainted 6.1.0-56-amd64 #1  Debian 6.1.192-2
            Mem-Info:
            {memInfo}
            {extra}
            {swap}
            262144 pages RAM
            Tasks state (memory values in pages):
            [  pid  ]   uid  tgid total_vm      rss pgtables_bytes swapents oom_score_adj name
            [    209]     0   209    30000    25000  1445888        0             0 hog
            oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=/,mems_allowed=0,global_oom,task_memcg=/,task=hog,pid=209,uid=0
            Out of memory: Killed process 209 (hog) total-vm:120000kB, anon-rss:100000kB, file-rss:0kB, shmem-rss:0kB, UID:0 pgtables:1412kB oom_score_adj:0
            """;
        return Assert.Single(OomLogReader.ReadAll(Encoding.UTF8.GetBytes(text)));
    }

    private static string[] Codes(OomReport r) => r.Causes.Select(c => c.Code).ToArray();

    // 262144 pages RAM = 1 GiB; thresholds: dirty+writeback >= 10 %, slab / shmem >= 20 %.
    [Theory]
    [InlineData("dirty:20000 writeback:7000", true)]
    [InlineData("dirty:20000 writeback:6000", false)]
    public void Dirty_and_writeback_pages(string counters, bool expected)
    {
        var r = Global("active_anon:1000 inactive_anon:1000 isolated_anon:0\n unevictable:0 " + counters);
        Assert.Equal(expected, Codes(r).Contains("dirty_writeback"));
        if (expected) Assert.Contains(r.Causes.Single(c => c.Code == "dirty_writeback").Evidence, e => e.Contains("dirty:20000"));
    }

    [Theory]
    [InlineData("slab_reclaimable:100 slab_unreclaimable:53000", true)]
    [InlineData("slab_reclaimable:100 slab_unreclaimable:52000", false)]
    public void Unreclaimable_slab(string counters, bool expected)
    {
        var r = Global("active_anon:1000 inactive_anon:1000\n " + counters);
        Assert.Equal(expected, Codes(r).Contains("unreclaimable_slab"));
    }

    [Fact]
    public void Slab_dump_lines_are_cited()
    {
        var r = Global("slab_reclaimable:100 slab_unreclaimable:60000", "Unreclaimable slab info:\nName                      Used          Total\nkmalloc-64            230000KB     230000KB");
        var cause = r.Causes.Single(c => c.Code == "unreclaimable_slab");
        Assert.Contains(cause.Evidence, e => e.StartsWith("kmalloc-64", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(3, "Node 0 Normal: 900*4kB (UME) 500*8kB (UM) 100*16kB (M) 0*32kB 0*64kB 0*128kB 0*256kB 0*512kB 0*1024kB 0*2048kB 0*4096kB = 9200kB", true)]
    [InlineData(3, "Node 0 Normal: 900*4kB (UME) 500*8kB (UM) 100*16kB (M) 1*32kB 0*64kB 0*128kB 0*256kB 0*512kB 0*1024kB 0*2048kB 0*4096kB = 9232kB", false)]
    [InlineData(0, "Node 0 Normal: 900*4kB (UME) 500*8kB (UM) 100*16kB (M) 0*32kB 0*64kB 0*128kB 0*256kB 0*512kB 0*1024kB 0*2048kB 0*4096kB = 9200kB", false)]
    public void High_order_allocation_with_fragmented_memory(int order, string buddy, bool expected)
    {
        var r = Global("active_anon:1000", "Node 0 Normal free:9200kB boost:0kB min:2000kB low:2500kB high:3000kB present:1048576kB managed:1000000kB\n" + buddy, order);
        Assert.Equal(expected, Codes(r).Contains("fragmentation"));
    }

    [Fact]
    public void Overcommitted_virtual_memory()
    {
        var r = Global("active_anon:1000");
        Assert.DoesNotContain("overcommit", Codes(r)); // 30000 pages of total_vm against 1 GiB
        var big = Global("active_anon:1000").Tasks[0];
        Assert.Equal(30000, big.TotalVmPages);
        string text = File.ReadAllText(Fixtures.PathOf("k6.1-global.dmesg.log"))
            .Replace("    51867    51232", "  1051867    51232", StringComparison.Ordinal); // one task reserving 4 GiB
        var r2 = Assert.Single(OomLogReader.ReadAll(Encoding.UTF8.GetBytes(text)));
        Assert.Contains("overcommit", Codes(r2));
    }

    [Theory]
    [InlineData("Free swap  = 1000kB\nTotal swap = 1048572kB", "swap_exhausted")]
    [InlineData("Free swap  = 500000kB\nTotal swap = 1048572kB", null)]
    [InlineData("Total swap = 0kB", "no_swap")]
    public void Swap(string swap, string? expected)
    {
        var r = Global("active_anon:1000", swap: swap);
        var codes = Codes(r);
        if (expected is null) Assert.DoesNotContain(codes, c => c is "swap_exhausted" or "no_swap");
        else Assert.Contains(expected, codes);
    }

    [Fact]
    public void Every_cause_cites_evidence_and_gives_a_remedy()
    {
        foreach (var name in Fixtures.LogNames())
            foreach (var r in OomLogReader.ReadAll(Fixtures.Bytes(name)))
                foreach (var c in r.Causes)
                {
                    Assert.NotEmpty(c.Evidence);
                    Assert.False(string.IsNullOrWhiteSpace(c.Remedy), $"{name}: {c.Code}");
                }
    }

    [Fact]
    public void The_corpus_exercises_the_causes_it_was_provoked_for()
    {
        static string[] Of(string name, int i = 0) => OomLogReader.ReadAll(Fixtures.Bytes(name))[i].Causes.Select(c => c.Code).ToArray();
        Assert.Contains("memcg_limit", Of("k6.1-v2memcg.dmesg.log"));
        Assert.Contains("oom_score_adj_victim", Of("k6.1-globaladj.dmesg.log"));
        Assert.Contains("oom_score_adj_victim", Of("k6.1-globalminus.dmesg.log"));
        Assert.Contains("allocating_task_killed", Of("k6.1-allocating.dmesg.log"));
        Assert.Contains("shmem_tmpfs", Of("k6.1-globaltmpfs.dmesg.log"));
        Assert.Contains("shmem_tmpfs", Of("k6.1-v2shmem.dmesg.log"));
        Assert.Contains("hugepages_reserved", Of("k6.1-hugepages.dmesg-T.log"));
        Assert.Contains("swap_exhausted", Of("k6.1-globalswap.dmesg.log"));
        Assert.Contains("cpuset_constraint", Of("k6.1-cpuset.dmesg.log"));
        Assert.Contains("mempolicy_constraint", Of("k6.1-mempolicy.dmesg-T.log"));
        Assert.Contains("repeated_kill", Of("k6.1-v2restart.dmesg.log", 2));
        Assert.Contains("unreclaimable_slab", Of("k6.1-v2slab.dmesg.log"));
        Assert.Contains("unreclaimable_slab", Of("k6.1-globalslab.dmesg.log"));
        Assert.Equal("filp", OomLogReader.ReadAll(Fixtures.Bytes("k6.1-globalslab.dmesg.log"))[0].SlabTop[0].Name);
        Assert.Contains("dominant_program", Of("reconstructed-4.15-global.log"));
        Assert.Contains("overcommit", Of("k6.1-overcommit.dmesg.log"));
        Assert.DoesNotContain("oom_score_adj_victim", Of("k6.1-globalslab.dmesg.log", 5)); // a protected 88 kB shell is not "the big consumer"
        Assert.DoesNotContain("repeated_kill", Of("k6.1-globaladj.dmesg.log", 1)); // second victim of one episode, not a restart
    }
}
