using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using OomWarden.Daemon;

namespace OomWarden.Tests.Daemon;

/// <summary>An unreadable meminfo is a reported read failure, not "no pressure".</summary>
public sealed class ReadFailureTests
{
    [Fact]
    public void A_meminfo_that_stops_parsing_is_logged_once_counted_journaled_and_its_recovery_logged()
    {
        using var tree = FixtureTree.Copy("kernel-6.1-v2");
        string meminfoPath = Path.Combine(tree.Root, "proc", "meminfo");
        string good = File.ReadAllText(meminfoPath);
        string journalPath = Path.Combine(tree.Root, "events.jsonl");
        var log = new List<string>();
        var time = new FakeTimeProvider();
        using var journal = EventJournal.TryOpen(journalPath, log.Add, out _)!;
        var failures = new ReadFailureReporter(log.Add, journal, time);
        using var daemon = DaemonRuntime.Build(OomWarden.Configuration.ConfigLoader.Default(), tree.Paths, time, "test", failures);
        void Tick() => daemon.Domains.ReadAll();
        Tick();
        Assert.Empty(log);

        File.WriteAllText(meminfoPath, "garbage\n");
        for (int i = 0; i < 5; i++) Tick();

        Assert.Equal(5, failures.Failures);
        var line = Assert.Single(log);
        Assert.Contains(tree.Paths.MeminfoPath, line);
        Assert.Contains("no MemTotal/MemFree line", line);
        var events = File.ReadAllLines(journalPath).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var ev = Assert.Single(events);
        Assert.Equal("read_failed", ev.GetProperty("event").GetString());
        Assert.Equal("system", ev.GetProperty("domain").GetString());

        File.WriteAllText(meminfoPath, good);
        Tick();
        Tick();

        Assert.Equal(2, log.Count);
        Assert.Contains("reads again after 5 failed read(s)", log[1]);
        Assert.Equal(5, failures.Failures);
    }

    [Fact]
    public void A_second_episode_is_logged_again()
    {
        var log = new List<string>();
        var r = new ReadFailureReporter(log.Add, null, new FakeTimeProvider());
        r.Failed("/proc/meminfo", "read /proc/meminfo: errno 5 (Input/output error)", "system");
        r.Failed("/proc/meminfo", "read /proc/meminfo: errno 5 (Input/output error)", "system");
        r.Succeeded("/proc/meminfo");
        r.Failed("/proc/meminfo", "read /proc/meminfo: errno 5 (Input/output error)", "system");

        Assert.Equal(3, log.Count);
        Assert.Contains("errno 5 (Input/output error)", log[0]);
        Assert.Equal(3, r.Failures);
    }

    [Fact]
    public void A_removed_cgroup_ends_its_episode_silently()
    {
        var log = new List<string>();
        var r = new ReadFailureReporter(log.Add, null, new FakeTimeProvider());
        r.Failed("/a", "read x: errno 5", "/a");
        r.Forget("/a");
        r.Succeeded("/a");
        Assert.Single(log);
        Assert.Equal(0, r.FailingCount);
    }
}
