using System.Text;
using System.Text.Json.Nodes;
using OomWarden.KernelLog.Output;
using OomWarden.KernelLog.Parsing;

namespace OomWarden.KernelLog.Tests;

/// <summary>
/// Absent is not zero: each section the text does not hold is null in the JSON (the golden files check every
/// field; these name the cases). And the old kernels' forms of each line, field by field.
/// </summary>
public class NullAndOldFormTests
{
    private static List<JsonObject> Json(string fixtureOrText, bool isText = false)
    {
        var bytes = isText ? Encoding.UTF8.GetBytes(fixtureOrText) : Fixtures.Bytes(fixtureOrText);
        return OomLogReader.ReadAll(bytes).Select(r => JsonNode.Parse(OomReportJson.ToJsonLine(r))!.AsObject()).ToList();
    }

    private static bool IsNull(JsonObject o, string key) => o.ContainsKey(key) && o[key] is null;

    [Fact]
    public void No_task_table_is_null_not_zero_rows()
    {
        var e = Assert.Single(Json("derived-k6.1-global.no-task-table.log"));
        Assert.True(IsNull(e, "task_table_rows"));
        Assert.True(IsNull(e, "tasks"));
        var full = Assert.Single(Json("k6.1-global.dmesg.log"));
        Assert.Equal(4, (int)full["task_table_rows"]!);
    }

    [Fact]
    public void A_task_table_header_without_rows_is_zero_rows()
    {
        var e = Assert.Single(Json("""
            hog invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0
            Tasks state (memory values in pages):
            [  pid  ]   uid  tgid total_vm      rss pgtables_bytes swapents oom_score_adj name
            Out of memory: Killed process 209 (hog) total-vm:120000kB, anon-rss:100000kB, file-rss:0kB, shmem-rss:0kB, UID:0 pgtables:1412kB oom_score_adj:0
            """, isText: true));
        Assert.Equal(0, (int)e["task_table_rows"]!);
        Assert.Empty(e["tasks"]!.AsArray());
    }

    [Fact]
    public void A_memcg_report_without_mem_info_has_null_zones_swap_and_ram()
    {
        var e = Assert.Single(Json("reconstructed-3.10-memcg-v1.log"));
        foreach (var key in new[] { "zones", "mem_info_pages", "free_swap_kb", "total_swap_kb", "ram_pages", "hugepages_total_kb", "slab_top", "group_killed" })
            Assert.True(IsNull(e, key), key);
        Assert.False((bool)e["unreclaimable_slab_dump"]!); // a memcg OOM never prints it
    }

    [Fact]
    public void The_slab_dump_is_true_false_or_null()
    {
        Assert.True((bool)Json("k6.1-globalslab.dmesg.log")[0]["unreclaimable_slab_dump"]!);
        Assert.NotEmpty(Json("k6.1-globalslab.dmesg.log")[0]["slab_top"]!.AsArray());
        Assert.False((bool)Json("k6.1-global.dmesg.log")[0]["unreclaimable_slab_dump"]!); // Mem-Info and the table around where it would be
        var head = Assert.Single(Json("derived-k6.1-global.fragment-head.log"));
        Assert.True(IsNull(head, "unreclaimable_slab_dump")); // cut before: unknown
        Assert.True(IsNull(head, "earlier_kills_same_task")); // no kill line: nothing to compare
        Assert.True(IsNull(head, "killed_pid"));
    }

    [Fact]
    public void Group_kills_are_an_array_only_with_oom_group()
    {
        Assert.NotEmpty(Json("k6.1-v2oomgroup.dmesg.log")[0]["group_killed"]!.AsArray());
        Assert.True(IsNull(Json("k6.1-v2memcg.dmesg.log")[0], "group_killed"));
    }

    [Fact]
    public void Task_columns_a_kernel_did_not_print_are_null()
    {
        var row = Json("reconstructed-rhel6-2.6.32.log")[0]["tasks"]!.AsArray()[0]!.AsObject();
        Assert.True(IsNull(row, "pgtables_bytes"));
        Assert.True(IsNull(row, "rss_anon"));
        Assert.Equal(-17, (int)row["oom_adj"]!);
    }

    [Fact]
    public void Text_without_a_prefix_is_format_and_wrapper_other()
    {
        var e = Assert.Single(Json("reconstructed-2.6.27.log"));
        Assert.Equal("other", (string)e["format"]!);
        Assert.Equal("other", (string)e["wrapper"]!);
    }

    [Fact]
    public void Text_output_says_not_in_the_report()
    {
        var r = Assert.Single(OomLogReader.ReadAll(Fixtures.Bytes("derived-k6.1-global.no-task-table.log")));
        var o = new StringWriter();
        OomReportText.Write(o, r);
        Assert.Contains("task table not in the report", o.ToString());
    }

    [Fact]
    public void Linux_2_6_18_trigger_without_comm_and_a_child_killed()
    {
        var e = Assert.Single(Json("reconstructed-2.6.18.log"));
        Assert.Equal("0x201d2", (string)e["gfp_mask"]!);
        Assert.Equal(0, (int)e["order"]!);
        Assert.True(IsNull(e, "trigger_comm"));
        Assert.Equal(3015, (int)e["selected_pid"]!);
        Assert.Equal(460312, (long)e["killed_score"]!);
        Assert.Equal(3016, (int)e["killed_pid"]!);
        Assert.Equal("httpd", (string)e["killed_comm"]!);
        Assert.Equal(0, (long)e["free_swap_kb"]!); // "Free swap:            0kB"
        Assert.True(IsNull(e, "total_swap_kb"));
        Assert.Equal(42397, (long)e["reserved_pages"]!); // "42397 reserved pages"
        Assert.False(e["mem_info_pages"]!.AsObject().ContainsKey("used")); // per-cpu lists are not counters
        Assert.Equal("2.6.18-8.el5", (string)e["kernel"]!); // from the boot banner
        Assert.Equal("web2", (string)e["host"]!);
        Assert.Equal("syslog", (string)e["format"]!);
    }

    [Fact]
    public void Rhel5_oomkilladj_is_the_old_scale_and_the_kill_line_carries_the_uid()
    {
        var e = Assert.Single(Json("reconstructed-rhel5-2.6.18-308.log"));
        Assert.Equal("httpd", (string)e["trigger_comm"]!);
        Assert.Equal("0x280d2", (string)e["gfp_mask"]!);
        Assert.Equal(0, (int)e["trigger_oom_adj"]!);
        Assert.True(IsNull(e, "trigger_oom_score_adj"));
        Assert.Equal(4380, (int)e["killed_pid"]!);
        Assert.Equal(48, (int)e["killed_uid"]!);
        Assert.Equal("httpd", (string)e["killed_comm"]!);
        Assert.True(IsNull(e, "killed_total_vm_kb"));
        Assert.Equal(0, (long)e["free_swap_kb"]!); // the "=" form, not overwritten by the ":" form
        Assert.Equal(4192956, (long)e["total_swap_kb"]!);
    }

    [Fact]
    public void Linux_3_2_kernel_comes_from_the_next_report_of_the_same_boot()
    {
        var events = Json("reconstructed-3.2.log");
        Assert.Equal(2, events.Count);
        Assert.All(events, e => Assert.Equal("3.2.0-4-amd64", (string)e["kernel"]!));
        Assert.Equal(0, (int)events[1]["trigger_oom_adj"]!);
        Assert.Equal(0, (int)events[1]["trigger_oom_score_adj"]!);
        Assert.Equal(3931132, (long)events[1]["killed_anon_rss_kb"]!);
        Assert.True(IsNull(events[1], "killed_shmem_rss_kb"));
    }

    [Fact]
    public void Rhel6_memcg_report()
    {
        var e = Assert.Single(Json("reconstructed-rhel6-memcg.log"));
        Assert.Equal("memcg-v1", (string)e["scope"]!);
        Assert.Equal("/app", (string)e["memcg"]!);
        Assert.Equal(501, (int)e["killed_uid"]!);
        Assert.Equal(1001, (long)e["killed_score"]!);
        Assert.Equal("kB", (string)e["memcg_stats_unit"]!);
    }

    [Theory]
    [InlineData("derived-two-boots.journal.log", 0, "6.18.44", "oldhost", "journal")]
    [InlineData("derived-two-boots.journal.log", 1, "6.1.0-56-amd64", "newhost", "journal")]
    [InlineData("derived-k6.1-v2memcg.syslog-nostamp.log", 0, "6.1.0-56-amd64", "vmlab", "syslog")]
    [InlineData("derived-k6.1-v2memcg.journal.log", 0, "6.1.0-56-amd64", "vmlab", "journal")]
    [InlineData("derived-k6.1-globaladj.journal-precise.log", 0, "6.1.0-56-amd64", "vmlab", "journal")]
    [InlineData("derived-k6.1-global.mail-quoted.log", 0, "6.1.0-56-amd64", "vmlab", "dmesg")] // host from the quoted uname -a
    public void Kernel_host_and_wrapper_from_the_same_boot(string log, int index, string kernel, string host, string format)
    {
        var e = Json(log)[index];
        Assert.Equal(kernel, (string)e["kernel"]!);
        Assert.Equal(host, (string)e["host"]!);
        Assert.Equal(format, (string)e["format"]!);
    }

    [Fact]
    public void A_bsd_stamped_file_without_evidence_is_syslog_and_journal_marks_make_it_journal()
    {
        string line = "Nov 22 23:43:58 vmlab kernel: Memory cgroup out of memory: Killed process 136 (hog) total-vm:68068kB, anon-rss:65236kB, file-rss:1100kB, shmem-rss:0kB, UID:0 pgtables:172kB oom_score_adj:0\n";
        Assert.Equal("syslog", (string)Json(line, isText: true)[0]["wrapper"]!);
        Assert.Equal("journal", (string)Json("-- Logs begin at Sun 2026-11-22 08:00:00 UTC, end at Sun 2026-11-22 23:59:00 UTC. --\n" + line, isText: true)[0]["wrapper"]!);
        Assert.Equal("syslog", (string)Json("Nov 22 23:40:01 vmlab rsyslogd: [origin software=\"rsyslogd\"] start\n" + line, isText: true)[0]["wrapper"]!);
    }

    [Fact]
    public void Text_output_escapes_control_characters_from_the_log()
    {
        string text = "[ 1.0] Out of memory: Killed process 4617 (\u001b]0;pwned\u0007evil\u001b[2J) total-vm:68076kB, anon-rss:65280kB, file-rss:984kB, shmem-rss:0kB\n";
        var r = Assert.Single(OomLogReader.ReadAll(Encoding.UTF8.GetBytes(text)));
        var o = new StringWriter();
        OomReportText.Write(o, r);
        string s = o.ToString();
        Assert.DoesNotContain('\u001b', s);
        Assert.DoesNotContain('\u0007', s);
        Assert.Contains("\\x1b]0;pwned\\x07evil\\x1b[2J", s);
    }
}
