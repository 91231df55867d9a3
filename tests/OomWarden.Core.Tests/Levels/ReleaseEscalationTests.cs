using OomWarden.Core.Engine;
using OomWarden.Core.Levels;
using OomWarden.Core.Policy;
using OomWarden.Core.Settings;
using OomWarden.Core.Tests.Engine;
using static OomWarden.Core.Tests.Engine.EngineHarness;

namespace OomWarden.Core.Tests.Levels;

/// <summary>The cooperative release's escalation (<c>[levels] release_kill</c>): at medium, once every subscriber
/// asked was measured and medium's conditions still hold, one kill per the policy through the term level's kill path;
/// none without a subscriber, none when one freed enough, none with the key off, and no faster than release_grace per
/// round. A 1 GiB cgroup, medium at 30 % headroom (307 MiB), term at 5 % (51 MiB), on a fake clock.</summary>
public class ReleaseEscalationTests
{
    private const string Cg = "/a";
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(3);

    private sealed class Subscriber
    {
        public required int Pid { get; init; }
        public int Priority { get; init; }
        public long Bytes { get; set; }
        public bool Frees { get; init; }
        public int Asked { get; set; }
    }

    private readonly EngineHarness _h;
    private readonly CgroupDomain _cg = Cgroup(Cg);
    private readonly List<Subscriber> _subscribers = [];
    private long _headroomMiB = 250;
    private int _nextVictim = 60;

    public ReleaseEscalationTests() : this(new LevelSettings()) { }

    private ReleaseEscalationTests(LevelSettings levels, bool dryRun = false)
    {
        _h = new EngineHarness(Options(levels, dryRun));
        _h.Engine.SetDomains([_cg]);
        _h.AskRelease = Ask;
        _h.MeasureRelease = r => r.SubscriberBytesAfter = _subscribers.Single(s => s.Pid == r.Pid).Bytes;
        // The policy's victim: a hog that is not a subscriber; each kill takes one, the next round finds another.
        _h.Decide[Cg] = () =>
        {
            int pid = _nextVictim;
            _h.Alive.Add(pid);
            return Kill(_cg.Domain, Process(pid, "hog", Cg, rssMiB: 300));
        };
    }

    private static EngineOptions Options(LevelSettings levels, bool dryRun) => new()
    {
        InstanceId = "t",
        DryRun = dryRun,
        Levels = levels with
        {
            Low = new() { Available = Threshold.FromPercent(40) },
            Medium = new() { Available = Threshold.FromPercent(30) },
            Critical = new() { Available = Threshold.FromPercent(20) },
            Hold = TimeSpan.FromSeconds(2),
            ReleaseGrace = Grace,
        },
    };

    /// <summary>The host's pick: lowest priority first, then the largest, never one already asked.</summary>
    private bool Ask(ReleaseRequest r)
    {
        var s = _subscribers.Where(x => !r.AlreadyAsked.Contains(x.Pid)).OrderBy(x => x.Priority).ThenByDescending(x => x.Bytes).FirstOrDefault();
        if (s is null) return false;
        r.Pid = s.Pid;
        r.Cgroup = Cg;
        r.Priority = s.Priority;
        r.SubscriberBytesBefore = s.Bytes;
        r.DomainAvailableBefore = _cg.AvailableBytes;
        s.Asked++;
        if (s.Frees)
        {
            _headroomMiB += s.Bytes / MiB;
            s.Bytes = 0;
        }
        return true;
    }

    /// <summary>Ticks of 10 ms with the cgroup's figures as they stand; a kill frees its victim's 300 MiB only when
    /// <paramref name="killFrees"/> (a domain that stays short however often it kills tests the pace).</summary>
    private void Run(TimeSpan span, bool killFrees = true, Action? eachTick = null)
    {
        var step = TimeSpan.FromMilliseconds(10);
        int judged = _h.Of<Judged>().Count();
        for (var t = TimeSpan.Zero; t < span; t += step)
        {
            Headroom(_cg, _headroomMiB);
            _h.Time.Advance(step);
            _h.Run();
            int now = _h.Of<Judged>().Count();
            if (now != judged)
            {
                if (killFrees) _headroomMiB += 300L * (now - judged);
                _nextVictim += now - judged;
                judged = now;
            }
            eachTick?.Invoke();
        }
    }

    private bool AnyKill => _h.Selected.Count > 0 || _h.Of<Signalling>().Any() || _h.Of<WouldKill>().Any();

    [Fact]
    public void Without_a_subscriber_medium_never_kills()
    {
        Run(TimeSpan.FromSeconds(30));
        Assert.Equal(WarningLevel.Medium, _h.Engine.WarningOf(Cg));
        Assert.Single(_h.Trace, t => t == "AskRelease " + Cg);  // asked the host once, nobody there
        Assert.False(AnyKill, string.Join("\n", _h.Trace));
    }

    [Fact]
    public void A_subscriber_that_frees_enough_spares_everyone()
    {
        _subscribers.Add(new Subscriber { Pid = 50, Bytes = 200 * MiB, Frees = true });
        Run(TimeSpan.FromSeconds(30));
        var m = Assert.Single(_h.Of<ReleaseMeasured>());
        Assert.Equal(200 * MiB, m.Request.FreedBytes);
        Assert.False(m.StillShort);
        Assert.False(AnyKill, string.Join("\n", _h.Trace));
        Assert.Equal(WarningLevel.None, _h.Engine.WarningOf(Cg));
    }

    [Fact]
    public void A_subscriber_that_ignores_the_request_is_passed_over_after_release_grace_and_the_policy_s_victim_is_killed()
    {
        _subscribers.Add(new Subscriber { Pid = 50, Bytes = 80 * MiB });
        _subscribers.Add(new Subscriber { Pid = 51, Priority = 5, Bytes = 120 * MiB });
        Run(TimeSpan.FromMilliseconds(10));
        var asked = Assert.Single(_h.Of<ReleaseAsked>());
        Assert.Equal(50, asked.Request.Pid);  // lowest priority first
        var askedAt = asked.Time;

        Run(TimeSpan.FromSeconds(5.9));
        Assert.Empty(_h.Selected);  // the second subscriber's grace is not over yet
        Assert.Equal([50, 51], _h.Of<ReleaseAsked>().Select(a => a.Request.Pid));
        Run(TimeSpan.FromSeconds(3));

        var signalling = Assert.Single(_h.Of<Signalling>());
        Assert.Equal(60, signalling.Kill.Pid);
        Assert.Equal(Signals.SigTerm, signalling.Signal);
        Assert.InRange(signalling.Time - askedAt, 2 * Grace, 2 * Grace + TimeSpan.FromMilliseconds(50));
        Assert.Equal([Cg], _h.Selected);
        Assert.StartsWith("medium: 2 subscribers asked, 0 B freed, still medium (available ", signalling.Kill.Reason, StringComparison.Ordinal);
        // The term level's path: signal record, then signal, exit, judgement with the same reason.
        var judged = Assert.Single(_h.Of<Judged>());
        Assert.Same(signalling.Kill, judged.Kill);
        Assert.Equal([(60, Signals.SigTerm)], _h.Sent);
        Assert.True(_h.Trace.IndexOf("event Signalling pid 60 15") < _h.Trace.IndexOf("Signal 15 pid 60"));
        Assert.All(_h.Of<ReleaseMeasured>(), m => Assert.True(m.StillShort));

        // The kill brought the cgroup back: nothing more.
        Run(TimeSpan.FromSeconds(20));
        Assert.Single(_h.Of<Signalling>());
    }

    [Fact]
    public void The_escalation_reason_counts_what_the_subscribers_freed()
    {
        _subscribers.Add(new Subscriber { Pid = 50, Bytes = 12 * MiB, Frees = true });
        Run(TimeSpan.FromSeconds(3.5));
        var signalling = Assert.Single(_h.Of<Signalling>());
        Assert.StartsWith("medium: 1 subscriber asked, 12.0 MiB freed, still medium", signalling.Kill.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void With_release_kill_off_medium_asks_but_never_kills()
    {
        var t = new ReleaseEscalationTests(new LevelSettings { ReleaseKill = false });
        t._subscribers.Add(new Subscriber { Pid = 50, Bytes = 80 * MiB });
        t.Run(TimeSpan.FromSeconds(30));
        Assert.Single(t._h.Of<ReleaseMeasured>());
        Assert.False(t.AnyKill, string.Join("\n", t._h.Trace));
    }

    [Fact]
    public void A_dry_run_records_the_escalation_and_signals_nothing()
    {
        var t = new ReleaseEscalationTests(new LevelSettings(), dryRun: true);
        t._subscribers.Add(new Subscriber { Pid = 50, Bytes = 80 * MiB });
        t.Run(TimeSpan.FromSeconds(4));
        var would = Assert.Single(t._h.Of<WouldKill>());
        Assert.StartsWith("medium: 1 subscriber asked", would.Kill.Reason, StringComparison.Ordinal);
        Assert.Empty(t._h.Sent);
    }

    [Fact]
    public void While_medium_holds_it_asks_again_then_kills_again_never_faster_than_release_grace_per_step_and_one_kill_at_a_time()
    {
        _subscribers.Add(new Subscriber { Pid = 50, Bytes = 80 * MiB });
        _h.IgnoresTerm.UnionWith(Enumerable.Range(60, 100));  // each victim takes its whole term grace (2 s)
        int maxInFlight = 0;
        Run(TimeSpan.FromSeconds(60), killFrees: false, () => maxInFlight = Math.Max(maxInFlight, _h.Engine.KillsInFlight.Count));

        var kills = _h.Of<Signalling>().Where(s => s.Signal == Signals.SigTerm).ToList();
        Assert.Equal(1, maxInFlight);
        // Each round: the subscriber asked (a release_grace), the kill (2 s grace + SIGKILL), a release_grace before
        // the next round asks: 3 + 2 + 3 s and a few ticks.
        Assert.InRange(kills.Count, 6, 8);
        for (int i = 1; i < kills.Count; i++)
            Assert.True(kills[i].Time - kills[i - 1].Time >= 2 * Grace, $"kill {i} came {kills[i].Time - kills[i - 1].Time} after the one before");
        // Every round asked the subscriber again before its kill.
        var asks = _h.Of<ReleaseAsked>().Select(a => a.Time).ToList();
        foreach (var k in kills) Assert.Contains(asks, a => a <= k.Time - Grace && a > k.Time - 2 * Grace);
        Assert.All(kills, k => Assert.NotEqual(50, k.Kill.Pid));
    }

    [Fact]
    public void A_kill_already_in_flight_for_the_domain_answers_for_the_episode_and_the_next_round_waits_for_its_end()
    {
        _subscribers.Add(new Subscriber { Pid = 50, Bytes = 80 * MiB });
        _h.IgnoresTerm.Add(60);
        _h.Decide[Cg] = () =>
        {
            int pid = _nextVictim;
            _h.Alive.Add(pid);
            return Kill(_cg.Domain, Process(pid, "hog", Cg, rssMiB: 300), grace: pid == 60 ? TimeSpan.FromSeconds(10) : null);
        };
        // The cgroup crosses its term level first: the term path kills (SIGTERM, a 10 s grace) while the release runs.
        _headroomMiB = 40;
        Run(TimeSpan.FromMilliseconds(30));
        Assert.Single(_h.Of<Signalling>());
        _headroomMiB = 250;
        // The subscriber is measured at 3 s, still medium: that kill stands for the domain, no second one.
        Run(TimeSpan.FromSeconds(12), killFrees: false);
        Assert.Single(_h.Of<ReleaseMeasured>());
        Assert.Single(_h.Of<Signalling>());
        Assert.Single(_h.Of<Judged>());  // SIGKILL at 10 s
        Assert.Single(_h.Selected);
        // After it: a release_grace, the subscriber asked again, its release_grace, then the escalation.
        Run(TimeSpan.FromSeconds(3.9), killFrees: false);
        Assert.Single(_h.Of<Signalling>());
        Assert.Equal(2, _h.Of<ReleaseAsked>().Count());
        Run(TimeSpan.FromSeconds(0.5), killFrees: false);
        Assert.Equal(2, _h.Of<Signalling>().Count());
        Assert.StartsWith("medium: 1 subscriber asked", _h.Of<Signalling>().Last().Kill.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_reload_that_turns_release_kill_on_escalates_the_episode_under_way()
    {
        var t = new ReleaseEscalationTests(new LevelSettings { ReleaseKill = false });
        t._subscribers.Add(new Subscriber { Pid = 50, Bytes = 80 * MiB });
        t.Run(TimeSpan.FromSeconds(10));
        Assert.False(t.AnyKill);
        t._h.Reload(Options(new LevelSettings(), dryRun: false));
        t._h.Engine.SetDomains([t._cg]);
        t.Run(TimeSpan.FromMilliseconds(20));
        var signalling = Assert.Single(t._h.Of<Signalling>());
        Assert.StartsWith("medium: 1 subscriber asked", signalling.Kill.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Paused_the_escalation_waits()
    {
        _subscribers.Add(new Subscriber { Pid = 50, Bytes = 80 * MiB });
        _h.Engine.State.Paused = true;
        Run(TimeSpan.FromSeconds(10));
        Assert.Single(_h.Of<ReleaseMeasured>());
        Assert.False(AnyKill);
        _h.Engine.State.Paused = false;
        Run(TimeSpan.FromSeconds(0.1));
        Assert.Single(_h.Of<Signalling>());
    }
}
