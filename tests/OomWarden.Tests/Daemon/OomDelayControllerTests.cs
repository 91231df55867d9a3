using Microsoft.Extensions.Time.Testing;
using OomWarden.Core.Engine;
using OomWarden.Core.Policy;
using OomWarden.Core.Settings;
using OomWarden.Daemon;
using OomWarden.Linux.Domains;
using OomWarden.Linux.Loop;
using OomWarden.Linux.OomDelay;
using OomWarden.Linux.Parsing;

namespace OomWarden.Tests.Daemon;

/// <summary><see cref="OomDelayController"/> across rescans and reloads, with fake waits and a fake guard (no cgroup
/// setting is written): the cgroup sources are real, opened on a fixture tree. A reload builds a new domain object for
/// every cgroup; the wait of a cgroup that is the same carries on with it, and only a real change puts a wait back.
/// The kernel's side is in the integration tests (Daemon/OomDelayReloadV1Tests).</summary>
public sealed class OomDelayControllerTests : IDisposable
{
    private static readonly TimeSpan Delay = TimeSpan.FromSeconds(3);
    private readonly FixtureTree _tree = FixtureTree.Copy("kernel-6.18-hybrid");
    private readonly LiveHost _host;
    private readonly EventLoop _loop = new();
    private readonly FakeTimeProvider _time = new();
    private readonly List<string> _log = [];
    private readonly List<FakeWait> _opened = [];
    private readonly List<FakeGuard> _guards = [];
    private readonly List<CgroupSource> _sources = [];
    private readonly LimitedCgroup _cgroup;
    private readonly string _state;

    public OomDelayControllerTests()
    {
        _host = LiveHost.Open(_tree.Paths);
        _cgroup = _host.ListLimitedCgroups().First(c => c.Path is not ("/" or ""));
        _state = Path.Combine(_tree.Root, "run", "oom-delay.state");
    }

    [Fact]
    public void A_reload_s_new_domain_for_the_same_cgroup_takes_over_the_wait_as_it_stands()
    {
        using var c = Controller(Settings(Delay));
        var first = Source();
        c.Sync([first]);
        var wait = Assert.Single(_opened);
        Assert.Equal(1, wait.Applied);
        // under OOM: the episode runs, the domain is at its kill level
        _time.Advance(TimeSpan.FromSeconds(1));
        long startedAt = _time.GetTimestamp();
        wait.Episode.Observe(true, startedAt);
        first.Cgroup.SetOomWait("the kernel holds the tasks");
        long episodeNumber = first.Cgroup.WaitEpisode;
        string state = File.ReadAllText(_state);
        _log.Clear();

        var reloaded = Source();
        c.Sync([reloaded]);

        Assert.Single(_opened);  // no new wait
        Assert.Equal((1, 0, 1), (wait.Applied, wait.Restored, wait.Rebound));
        Assert.Same(wait, c.WaitFor(reloaded.Cgroup));
        Assert.Null(c.WaitFor(first.Cgroup));
        Assert.Equal(OomEpisode.Phase.Waiting, wait.Episode.State);
        Assert.Equal(startedAt, wait.Episode.StartedAt);
        Assert.Equal(startedAt + (long)(Delay.TotalSeconds * _time.TimestampFrequency), wait.Episode.Deadline);
        Assert.Equal(1, wait.Episode.Episodes);
        Assert.Equal("the kernel holds the tasks", reloaded.Cgroup.OomWait);
        Assert.Equal(episodeNumber, reloaded.Cgroup.WaitEpisode);
        Assert.Empty(_log);
        Assert.Equal(state, File.ReadAllText(_state));
    }

    [Fact]
    public void A_limit_change_puts_the_wait_back_and_arms_a_new_one()
    {
        using var c = Controller(Settings(Delay));
        c.Sync([Source()]);
        var old = Assert.Single(_opened);
        var resized = Source(_cgroup.LimitBytes / 2);
        c.Sync([resized]);
        Assert.Equal(2, _opened.Count);
        Assert.Equal(1, old.Restored);
        Assert.Same(_opened[1], c.WaitFor(resized.Cgroup));
        Assert.Contains(_log, l => l.Contains($"oom_delay for {_cgroup.Path} off (its limit changed)", StringComparison.Ordinal));
    }

    [Fact]
    public void A_reloaded_delay_changes_the_wait_in_place_and_an_episode_in_progress_keeps_its_deadline()
    {
        using var c = Controller(Settings(Delay));
        c.Sync([Source()]);
        var wait = Assert.Single(_opened);
        wait.Episode.Observe(true, _time.GetTimestamp());
        long deadline = wait.Episode.Deadline;

        c.Reconfigure(Settings(TimeSpan.FromSeconds(10)), new CompiledPolicy([]));
        var reloaded = Source();
        c.Sync([reloaded]);

        Assert.Single(_opened);
        Assert.Equal((0, 1), (wait.Restored, wait.Rebound));
        Assert.Equal(TimeSpan.FromSeconds(10), c.WaitFor(reloaded.Cgroup)!.Delay);
        Assert.Equal(deadline, wait.Episode.Deadline);
        Assert.Contains(_log, l => l.Contains($"oom_delay 10s for {_cgroup.Path} (was 3s); the episode in progress keeps its deadline", StringComparison.Ordinal));
    }

    [Fact]
    public void A_rule_s_delay_overrides_the_reloaded_default_and_its_change_is_taken()
    {
        using var c = Controller(Settings(Delay));
        c.Sync([Source()]);
        c.Reconfigure(Settings(Delay), Rule(_cgroup.Path, TimeSpan.FromSeconds(2)));
        var reloaded = Source();
        c.Sync([reloaded]);
        Assert.Equal(TimeSpan.FromSeconds(2), c.WaitFor(reloaded.Cgroup)!.Delay);
        Assert.Equal(TimeSpan.FromSeconds(2), c.MinDelay);
        Assert.Contains(_log, l => l.Contains("the oom_delay guard keeps the timeout it was started with (3s)", StringComparison.Ordinal));
    }

    [Fact]
    public void A_delay_turned_off_by_a_reload_puts_the_setting_back_at_once()
    {
        using var c = Controller(Settings(Delay));
        c.Sync([Source()]);
        var wait = Assert.Single(_opened);
        wait.Episode.Observe(true, _time.GetTimestamp());

        c.Reconfigure(Settings(TimeSpan.Zero), new CompiledPolicy([]));
        var reloaded = Source();
        c.Sync([reloaded]);

        Assert.Equal(1, wait.Restored);
        Assert.Null(c.WaitFor(reloaded.Cgroup));
        Assert.Empty(c.Waits);
        Assert.False(File.Exists(_state));
        Assert.Contains(_log, l => l.Contains($"oom_delay for {_cgroup.Path} off (oom_delay is off for it now)", StringComparison.Ordinal));
    }

    [Fact]
    public void A_reload_into_a_dry_run_puts_every_setting_back_and_arms_nothing_until_the_next_reload_out_of_it()
    {
        using var c = Controller(Settings(Delay));
        c.Sync([Source()]);
        var wait = Assert.Single(_opened);
        wait.Episode.Observe(true, _time.GetTimestamp());

        var dry = Settings(Delay) with { Action = DaemonSettings.Default.Action with { DryRun = true } };
        c.Reconfigure(dry, new CompiledPolicy([]));
        c.Sync([Source()]);
        c.Sync([Source()]);

        Assert.Equal(1, wait.Restored);
        Assert.Single(_opened);  // nothing armed again while dry
        Assert.Empty(c.Waits);
        Assert.False(File.Exists(_state));
        Assert.Contains(_log, l => l.Contains($"oom_delay for {_cgroup.Path} off (a dry run changes no cgroup)", StringComparison.Ordinal));

        c.Reconfigure(Settings(Delay), new CompiledPolicy([]));
        var live = Source();
        c.Sync([live]);
        Assert.Equal(2, _opened.Count);
        Assert.Same(_opened[1], c.WaitFor(live.Cgroup));
    }

    [Fact]
    public void Off_everywhere_at_first_a_reload_s_rule_arms_the_cgroup_and_starts_the_guard_with_its_delay()
    {
        using var c = Controller(Settings(TimeSpan.Zero));
        Assert.Equal(TimeSpan.Zero, c.MinDelay);
        c.Sync([Source()]);
        Assert.Empty(_opened);
        Assert.Empty(_guards);

        c.Reconfigure(Settings(TimeSpan.Zero), Rule(_cgroup.Path, TimeSpan.FromMilliseconds(1500)));
        var reloaded = Source();
        c.Sync([reloaded]);
        var wait = Assert.Single(_opened);
        Assert.Equal(1, wait.Applied);
        Assert.Equal(TimeSpan.FromMilliseconds(1500), wait.Delay);
        Assert.Equal(TimeSpan.FromMilliseconds(1500), Assert.Single(_guards).Timeout);
        Assert.Same(wait, c.WaitFor(reloaded.Cgroup));
    }

    /// <summary>Once started, the guard gets its heartbeat with no cgroup armed (they left the watch, or a reload
    /// turned their delays off): a guard without one would exit, and the next cgroup armed would find it gone.</summary>
    [Fact]
    public void The_guard_gets_its_heartbeat_while_nothing_is_armed()
    {
        using var c = Controller(Settings(Delay));
        c.Sync([Source()]);
        c.Sync([]);
        Assert.Equal(1, Assert.Single(_opened).Restored);
        var guard = Assert.Single(_guards);
        Assert.True(c.UntilNext() <= Delay / 4);
        for (int i = 0; i < 8; i++)
        {
            _time.Advance(Delay / 4);
            c.Step();
        }
        Assert.Equal(8, guard.Beats);

        c.Sync([Source()]);
        Assert.Equal(2, _opened.Count);
        Assert.Single(_guards);  // the same guard
        Assert.DoesNotContain(_log, l => l.Contains("is gone", StringComparison.Ordinal));
    }

    [Fact]
    public void Rescans_and_reloads_of_the_same_cgroup_allocate_nothing()
    {
        using var c = Controller(Settings(Delay));
        CgroupSource a = Source(), b = Source();
        c.Sync([a]);
        var same = new[] { a };
        var reloaded = new[] { b };
        var back = new[] { a };
        c.Sync(reloaded);
        c.Sync(back);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
        {
            c.Sync(same);
            c.Sync(reloaded);
            c.Sync(back);
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(202, Assert.Single(_opened).Rebound);  // two to warm up, two a round
    }

    private OomDelayController Controller(DaemonSettings settings) => new(settings, new CompiledPolicy([]), _loop, _time, _log.Add,
        timeout =>
        {
            var g = new FakeGuard(timeout, _time);
            _guards.Add(g);
            return g;
        },
        (CgroupSource source, TimeSpan delay, out string? error) =>
        {
            error = null;
            var w = new FakeWait(source.Cgroup, source.Directory, source.Version, delay, _time.TimestampFrequency);
            _opened.Add(w);
            return w;
        });

    private DaemonSettings Settings(TimeSpan oomDelay) => DaemonSettings.Default with
    {
        Cgroups = DaemonSettings.Default.Cgroups with { OomDelay = oomDelay, OomDelayState = _state },
    };

    private static CompiledPolicy Rule(string cgroup, TimeSpan delay) => new(
    [
        new PolicyRule("delay", "t:1", new RuleMatch { Cgroup = [Glob.Compile(cgroup)] }, new RuleEffect(OomDelay: delay)),
    ]);

    /// <summary>A new domain object and source for the test's cgroup, as a rescan or a reload makes them.</summary>
    private CgroupSource Source(long? limitBytes = null)
    {
        var domain = new CgroupDomain(_cgroup.Path, limitBytes ?? _cgroup.LimitBytes, new CgroupThresholds(), 1 << 20);
        var s = CgroupSource.TryOpen(domain, _cgroup.Directory, _cgroup.Version, new SelectionReaders(_host.Tree, _host.Processes))!;
        _sources.Add(s);
        return s;
    }

    public void Dispose()
    {
        foreach (var s in _sources) s.Dispose();
        _loop.Dispose();
        _host.Dispose();
        _tree.Dispose();
    }

    private sealed class FakeWait(CgroupDomain domain, string directory, CgroupVersion version, TimeSpan delay, long frequency) : IOomWait
    {
        public int Applied, Restored, Rebound;

        public CgroupDomain Domain { get; private set; } = domain;
        public CgroupVersion Version => version;
        public TimeSpan Delay { get; private set; } = delay;
        public OomEpisode Episode { get; } = OomEpisode.For(delay, frequency);
        public OomSetting Setting { get; } = new(directory, OomSetting.V1OomControl, "0");
        public long NextDeadline => long.MaxValue;
        public bool IsWaiting => Episode.State == OomEpisode.Phase.Waiting;

        public bool TryApply(out string? error)
        {
            Applied++;
            error = null;
            return true;
        }

        public string? Step(long now) => null;

        public void OnKillSignalled() { }

        public void Rebind(CgroupDomain next)
        {
            next.TakeOomWaitFrom(Domain);
            Domain = next;
            Rebound++;
        }

        public void ChangeDelay(TimeSpan next)
        {
            Delay = next;
            Episode.ChangeDelay(OomEpisode.Ticks(next, frequency));
        }

        public bool Restore(out string? error)
        {
            Restored++;
            Episode.Rearm();
            error = null;
            return true;
        }

        public void Dispose() { }
    }

    private sealed class FakeGuard(TimeSpan timeout, TimeProvider time) : IOomGuard
    {
        private long _last = time.GetTimestamp();

        public int Beats { get; private set; }
        public int Pid => 4242;
        public TimeSpan Timeout => timeout;
        public string? ExitReason => null;
        public long NextHeartbeat => _last + (long)((timeout / 4).TotalSeconds * time.TimestampFrequency);

        public bool Heartbeat(long now)
        {
            if (now < NextHeartbeat) return true;
            _last = now;
            Beats++;
            return true;
        }

        public void Dispose() { }
    }
}
