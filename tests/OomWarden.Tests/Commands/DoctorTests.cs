using System.Text.Json;

namespace OomWarden.Tests.Commands;

/// <summary><c>oomwarden doctor</c> on the fixture trees tests/fixtures/doctor/{clean,troubled} (made by
/// make-fixtures.py there): the clean host passes, and each finding is produced by one change to it.</summary>
public sealed class DoctorTests
{
    private static (int Code, string Out, string Err) Doctor(string root, params string[] extra)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        string[] args = ["doctor", "--proc-root", Path.Combine(root, "proc"), "--sys-root", Path.Combine(root, "sys"), .. extra];
        int code = Cli.Run(args, new StringReader(""), o, e);
        return (code, o.ToString(), e.ToString());
    }

    private static Dictionary<string, string> Statuses(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return doc.RootElement.GetProperty("checks").EnumerateArray()
            .ToDictionary(c => c.GetProperty("check").GetString()!, c => c.GetProperty("status").GetString()!);
    }

    [Fact]
    public void A_clean_host_exits_0_with_every_check_ok()
    {
        var (code, output, err) = Doctor(Golden.Fixture("tests/fixtures/doctor/clean"));
        Assert.Equal("", err);
        Golden.Check("doctor-clean.txt", output);
        Assert.Equal(0, code);
    }

    [Fact]
    public void A_troubled_host_exits_1_and_explains_every_finding()
    {
        var (code, output, _) = Doctor(Golden.Fixture("tests/fixtures/doctor/troubled"));
        Golden.Check("doctor-troubled.txt", output);
        Assert.Equal(1, code);
        var (jsonCode, json, _) = Doctor(Golden.Fixture("tests/fixtures/doctor/troubled"), "--json");
        Golden.Check("doctor-troubled.json", json);
        Assert.Equal(1, jsonCode);
        using var doc = JsonDocument.Parse(json);
        Assert.Equal(14, doc.RootElement.GetProperty("warnings").GetInt32());
        foreach (var check in doc.RootElement.GetProperty("checks").EnumerateArray())
        {
            if (check.GetProperty("status").GetString() != "warn") continue;
            Assert.False(string.IsNullOrWhiteSpace(check.GetProperty("why").GetString()), check.ToString());
            Assert.False(string.IsNullOrWhiteSpace(check.GetProperty("fix").GetString()), check.ToString());
        }
    }

    public static TheoryData<string, string[]> OneChange => new()
    {
        // check that must warn, then edits: "path=content", "path~old~new" (replace), "path!" (delete), "path->target" (symlink)
        { "cgroup", ["sys/fs/cgroup/cgroup.subtree_control=cpu io pids\n"] },
        { "psi", ["proc/pressure/memory!"] },
        { "overcommit", ["proc/sys/vm/overcommit_memory=2\n"] },
        { "panic_on_oom", ["proc/sys/vm/panic_on_oom=2\n"] },
        { "oom_kill_allocating_task", ["proc/sys/vm/oom_kill_allocating_task=1\n"] },
        { "swappiness", ["proc/swaps~/dev/zram0~/swapfile  "] },
        { "dirty", ["proc/sys/vm/dirty_bytes=0\n", "proc/sys/vm/dirty_ratio=30\n", "proc/sys/vm/dirty_background_ratio=10\n"] },
        { "other_oom_daemons", ["proc/710/exe!", "proc/710/exe->/usr/bin/earlyoom"] },
        { "other_oom_daemons", ["proc/710/exe!", "proc/710/exe->/usr/lib/systemd/systemd-oomd"] },
        { "unkillable", ["proc/700/oom_score_adj=-1000\n"] },
        { "unlimited_cgroups", ["sys/fs/cgroup/system.slice/memory.current=9663676416\n"] },
        { "oom_score_adj", ["proc/500/oom_score_adj=-500\n"] },
        { "mlock", ["proc/500/status~VmLck:\t    7168 kB~VmLck:\t       0 kB"] },
        { "memlock", ["proc/500/limits~unlimited            unlimited~65536                65536", "proc/500/status~CapEff:\t0000000001084024~CapEff:\t0000000001080024"] },
        { "capabilities", ["proc/500/status~CapEff:\t0000000001084024~CapEff:\t0000000000004000"] },
    };

    [Theory]
    [MemberData(nameof(OneChange))]
    public void One_change_to_a_clean_host_gives_exactly_its_finding(string check, string[] edits)
    {
        using var tree = FixtureTree.Copy("doctor/clean");
        foreach (var edit in edits) Apply(tree.Root, edit);
        var (code, json, err) = Doctor(tree.Root, "--json");
        Assert.Equal("", err);
        var statuses = Statuses(json);
        string[] expected = check.Split(' ');
        Assert.Equal(expected, statuses.Where(s => s.Value == "warn").Select(s => s.Key).ToArray());
        Assert.Equal(1, code);
    }

    [Fact]
    public void An_earlyoom_by_comm_only_is_not_another_daemon()
    {
        // The clean tree has pid 710 with comm "earlyoom" and exe bash: it must not count.
        var statuses = Statuses(Doctor(Golden.Fixture("tests/fixtures/doctor/clean"), "--json").Out);
        Assert.Equal("ok", statuses["other_oom_daemons"]);
    }

    [Fact]
    public void Without_a_daemon_the_checks_are_about_this_process_and_only_note()
    {
        using var tree = FixtureTree.Copy("doctor/clean");
        Directory.Delete(Path.Combine(tree.Root, "proc", "500"), recursive: true);
        var (code, json, _) = Doctor(tree.Root, "--json");
        var statuses = Statuses(json);
        Assert.Equal("note", statuses["daemon"]);
        Assert.False(statuses.ContainsKey("oom_score_adj"));
        Assert.Equal("ok", statuses["memlock"]);
        Assert.Equal(0, code);
    }

    [Fact]
    public void A_daemon_run_with_no_mlock_is_a_note_not_a_warning()
    {
        using var tree = FixtureTree.Copy("doctor/clean");
        File.WriteAllText(Path.Combine(tree.Root, "proc/500/cmdline"), "oomwarden\0run\0--no-mlock\0");
        Apply(tree.Root, "proc/500/status~VmLck:\t    7168 kB~VmLck:\t       0 kB");
        var statuses = Statuses(Doctor(tree.Root, "--json").Out);
        Assert.Equal("note", statuses["mlock"]);
    }

    [Fact]
    public void A_missing_proc_root_exits_71_with_one_line()
    {
        var (code, _, err) = Doctor("/nonexistent-oomwarden-root");
        Assert.Equal(71, code);
        Assert.StartsWith("oomwarden doctor: cannot read the host:", err);
    }

    [Fact]
    public void Unknown_options_are_usage_errors()
    {
        var (code, _, err) = Doctor(Golden.Fixture("tests/fixtures/doctor/clean"), "--jsn");
        Assert.Equal(64, code);
        Assert.Contains("unknown option --jsn", err);
    }

    private static void Apply(string root, string edit)
    {
        if (edit.EndsWith('!'))
        {
            File.Delete(Path.Combine(root, edit[..^1]));
        }
        else if (edit.Contains("->", StringComparison.Ordinal))
        {
            var parts = edit.Split("->");
            File.CreateSymbolicLink(Path.Combine(root, parts[0]), parts[1]);
        }
        else if (edit.Contains('~'))
        {
            var parts = edit.Split('~');
            string path = Path.Combine(root, parts[0]);
            string text = File.ReadAllText(path);
            Assert.Contains(parts[1], text);
            File.WriteAllText(path, text.Replace(parts[1], parts[2], StringComparison.Ordinal));
        }
        else
        {
            int eq = edit.IndexOf('=');
            File.WriteAllText(Path.Combine(root, edit[..eq]), edit[(eq + 1)..]);
        }
    }
}
