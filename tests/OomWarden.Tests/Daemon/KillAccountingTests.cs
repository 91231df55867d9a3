using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using OomWarden.Core.Engine;
using OomWarden.Core.Settings;
using OomWarden.Daemon;
using OomWarden.KernelLog.Model;
using OomWarden.KernelLog.Parsing;
using OomWarden.Linux.Parsing;

namespace OomWarden.Tests.Daemon;

/// <summary>The kill accounting over plain files standing in for cgroup counters: the state file, kills counted while
/// the daemon was stopped, kernel reports turned into events, the journal's kernel_kill fields.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class KillAccountingTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("oomwarden-kills-").FullName;
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero));
    private readonly List<EngineEvent> _published = [];
    private readonly List<string> _warnings = [];

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private sealed class Collect(List<EngineEvent> into) : IEventSink
    {
        public void Publish(EngineEvent e) => into.Add(e);
    }

    private string StatePath => Path.Combine(_dir, KillCounterState.FileName);

    private KillAccounting Accounting(RestartLoopSettings? loops = null) =>
        new(new KillCounters(), new RestartLoopDetector(loops ?? new RestartLoopSettings(), _time), new Collect(_published), _time)
        {
            StatePath = StatePath,
            Warn = _warnings.Add,
        };

    private string V1Cgroup(string name, long oomKill)
    {
        string dir = Path.Combine(_dir, name);
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "memory.oom_control"), $"oom_kill_disable 0\nunder_oom 0\noom_kill {oomKill}\n");
        return dir;
    }

    private string V2Cgroup(string name, long local, long hierarchical, long group)
    {
        string dir = Path.Combine(_dir, name);
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "memory.events"), $"low 0\nhigh 0\nmax 9\noom 3\noom_kill {hierarchical}\noom_group_kill {group}\n");
        File.WriteAllText(Path.Combine(dir, "memory.events.local"), $"low 0\nhigh 0\nmax 9\noom 3\noom_kill {local}\noom_group_kill 0\n");
        return dir;
    }

    [Fact]
    public void A_kill_while_stopped_is_counted_at_the_next_start_by_difference_and_only_once()
    {
        string a = V1Cgroup("a", 4);
        string b = V2Cgroup("b", 1, 2, 0);
        var watched = new[] { new KillAccounting.Watched("/a", a, CgroupVersion.V1), new KillAccounting.Watched("/b", b, CgroupVersion.V2) };

        var first = Accounting();
        first.Start(watched);
        Assert.Empty(_published); // no saved values: the first start only takes the baseline
        first.Stop();
        Assert.True(File.Exists(StatePath));

        V1Cgroup("a", 5);                 // the kernel killed once in /a while no daemon ran
        V2Cgroup("b", 1, 3, 1);           // and in /b's subtree, as a memory.oom.group kill
        var second = Accounting();
        second.Start(watched);

        Assert.Equal(2, _published.Count);
        var ka = Assert.IsType<KernelKill>(_published.Single(e => ((KernelKill)e).Domain == "/a"));
        Assert.True(ka.WhileStopped);
        Assert.Equal(KernelKillKind.Memcg, ka.Kind);
        Assert.Equal(new CgroupKillCounts(1, null, null), ka.Counts);
        var kb = (KernelKill)_published.Single(e => ((KernelKill)e).Domain == "/b");
        Assert.Equal(new CgroupKillCounts(0, 1, 1), kb.Counts);
        Assert.Equal((1L, (long?)null, (long?)null), ((long)second.Counters.Counted("/a").Local!, second.Counters.Counted("/a").Hierarchical, second.Counters.Counted("/a").GroupKills));
        second.Stop();

        _published.Clear();
        Accounting().Start(watched); // nothing moved since: nothing to report
        Assert.Empty(_published);
        Assert.Empty(_warnings);
    }

    [Fact]
    public void A_kernel_report_moves_the_watched_cgroups_counters_and_its_kind_by_exactly_one()
    {
        string a = V1Cgroup("kl-test-a", 0);
        var acc = Accounting();
        acc.Start([new KillAccounting.Watched("/kl-test-a", a, CgroupVersion.V1)]);
        var report = Reports("tests/fixtures/oom-reports/k6.18-memcg-v1.kmsg.log")[0];
        V1Cgroup("kl-test-a", 1);

        var events = acc.OnReport(report);

        var kill = Assert.IsType<KernelKill>(Assert.Single(events));
        Assert.Equal(4617, kill.Pid);
        Assert.Equal("/kl-test-a", kill.Domain);
        Assert.Equal("/kl-test-a", kill.Cgroup);
        Assert.Equal(KernelKillKind.Memcg, kill.Kind);
        Assert.False(kill.OomGroup);
        Assert.NotNull(kill.Report);
        Assert.Equal(1, acc.Counters.KernelKills(KernelKillKind.Memcg));
        Assert.Equal(0, acc.Counters.KernelKills(KernelKillKind.System));
        Assert.Equal(1L, acc.Counters.Counted("/kl-test-a").Local);
    }

    [Fact]
    public void A_memory_oom_group_report_is_one_event_per_task_it_killed()
    {
        var acc = Accounting();
        acc.Start([]);
        var report = Reports("tests/fixtures/oom-reports/k6.1-v2oomgroup.dmesg.log")[0];
        var kills = acc.OnReport(report).OfType<KernelKill>().ToList();
        Assert.Equal([155, 149, 151, 153], kills.Select(k => k.Pid!.Value));
        Assert.All(kills, k => Assert.True(k.OomGroup));
        Assert.All(kills, k => Assert.Equal("/kl2", k.OomGroupCgroup));
        Assert.Equal(4, acc.Counters.KernelKills(KernelKillKind.Memcg));
    }

    [Fact]
    public void The_third_kernel_kill_in_one_cgroup_is_a_restart_loop_in_the_event_and_the_journal()
    {
        var acc = Accounting();
        acc.Start([]);
        var report = Reports("tests/fixtures/oom-reports/k6.18-memcg-v1.kmsg.log")[0];
        Assert.DoesNotContain(acc.OnReport(report), e => e is RestartLoopFlagged);
        _time.Advance(TimeSpan.FromSeconds(20));
        Assert.DoesNotContain(acc.OnReport(report), e => e is RestartLoopFlagged);
        _time.Advance(TimeSpan.FromSeconds(20));
        var third = acc.OnReport(report);
        var flagged = Assert.Single(third.OfType<RestartLoopFlagged>());
        Assert.Equal("cgroup", flagged.Loop.Key);
        Assert.Equal("/kl-test-a", flagged.Loop.Name);
        Assert.Equal(3, flagged.Loop.Kills);
        Assert.Equal(1, acc.Counters.RestartLoops);
        Assert.Contains("restart loop: cgroup /kl-test-a killed 3 times within 10 min (3 by the kernel, 0 by oomwarden)", LogSink.Line(flagged));

        string journalPath = Path.Combine(_dir, "events.jsonl");
        using (var journal = EventJournal.TryOpen(journalPath, _ => { }, out _)!)
        {
            var sink = new JournalSink(journal, dryRun: false);
            foreach (var e in third) sink.Publish(e);
        }
        using var doc = JsonDocument.Parse(File.ReadAllLines(journalPath).Single());
        var r = doc.RootElement;
        Assert.Equal("kernel_kill", r.GetProperty("event").GetString());
        Assert.Equal("memcg", r.GetProperty("kind").GetString());
        Assert.Equal("/kl-test-a", r.GetProperty("domain").GetString());
        Assert.Equal("/kl-test-a", r.GetProperty("cgroup").GetString());
        Assert.False(r.GetProperty("oom_group").GetBoolean());
        Assert.True(r.GetProperty("restart_loop").GetBoolean());
        Assert.Equal(3, r.GetProperty("loop_kills").GetInt32());
        Assert.Equal("CONSTRAINT_MEMCG", r.GetProperty("reason").GetString());
        Assert.True(r.TryGetProperty("anon_rss_kb", out _));
        Assert.True(r.TryGetProperty("trigger_pid", out _));
    }

    [Fact]
    public void State_file_round_trips_and_a_foreign_file_is_refused_with_a_warning()
    {
        var saved = new List<KeyValuePair<string, CgroupKillCounts>> { new("/a \"quoted\"\n", new CgroupKillCounts(1, 2, 3)), new("/v1", new CgroupKillCounts(7, null, null)) };
        Assert.True(KillCounterState.TryParse(KillCounterState.Serialize(saved), out var back, out _));
        Assert.Equal(saved, back);
        Assert.False(KillCounterState.TryParse("{\"format\":\"other\",\"version\":1}"u8, out _, out string? why));
        Assert.Contains("not an oomwarden-kill-counters", why);
        Assert.False(KillCounterState.TryParse("{\"format\":"u8, out _, out _));

        File.WriteAllText(StatePath, "garbage");
        Accounting().Start([]);
        Assert.Contains(_warnings, w => w.Contains("counting from the current values", StringComparison.Ordinal));
    }

    [Fact]
    public void A_symlink_at_the_state_path_is_not_followed_and_is_replaced_not_written_through()
    {
        string target = Path.Combine(_dir, "target");
        File.WriteAllText(target, "precious\n");
        File.CreateSymbolicLink(StatePath, target);
        var acc = Accounting();
        acc.Start([]);
        Assert.Contains(_warnings, w => w.Contains("symbolic link", StringComparison.Ordinal));
        Assert.Equal("precious\n", File.ReadAllText(target));
        Assert.False(new FileInfo(StatePath).LinkTarget is not null); // rename replaced the link itself
    }

    private static List<OomReport> Reports(string fixture)
    {
        using var stream = File.OpenRead(Golden.Fixture(fixture));
        return OomLogReader.ReadAll(stream);
    }
}
