using OomWarden.Core.Engine;
using OomWarden.Core.Policy;
using static OomWarden.Core.Tests.Engine.EngineHarness;

namespace OomWarden.Core.Tests.Engine;

/// <summary>The engine's side of a reload (a new engine and new domain objects, the old state) and of a pause.</summary>
public class ReloadAndPauseTests
{
    private static readonly TimeSpan Ms = TimeSpan.FromMilliseconds(1);

    [Fact]
    public void A_kill_in_flight_survives_a_reload_and_is_judged_on_the_new_domain_object()
    {
        var h = new EngineHarness();
        var a = Cgroup("/a");
        h.Engine.SetDomains([a]);
        h.Decide["/a"] = () => Kill(a.Domain, Process(10, "slow", "/a"), grace: TimeSpan.FromSeconds(3));
        h.Alive.Add(10);
        h.IgnoresTerm.Add(10);
        Headroom(a, 40);
        h.Run();
        Assert.Equal([(10, Signals.SigTerm)], h.Sent);

        // Reload: new engine with the old state, a new domain object for the same cgroup.
        h.Reload();
        var a2 = Cgroup("/a");
        Headroom(a2, 40);
        h.Engine.SetDomains([a2]);
        var k = Assert.Single(h.Engine.KillsInFlight);
        Assert.Same(a2, k.Domain);

        h.RunFor(3010 * Ms);
        Assert.Equal([(10, Signals.SigTerm), (10, Signals.SigKill)], h.Sent);
        Headroom(a2, 600);
        Headroom(a, 40); // the old object is no longer read: judging on it would see nothing freed
        h.RunFor(100 * Ms);
        var j = Assert.Single(h.Of<Judged>());
        Assert.Equal(560 * MiB, j.FreedBytes);
        Assert.Equal(1, h.Engine.State.Kills);
    }

    [Fact]
    public void Paused_the_engine_reports_levels_but_selects_nothing_until_resumed()
    {
        var h = new EngineHarness();
        var a = Cgroup("/a");
        h.Engine.SetDomains([a]);
        h.Decide["/a"] = () => Kill(a.Domain, Process(10, "hog", "/a"));
        h.Alive.Add(10);
        h.Engine.State.Paused = true;
        Headroom(a, 40);
        h.RunFor(2000 * Ms);
        Assert.Empty(h.Selected);
        Assert.Empty(h.Sent);
        Assert.Contains(h.Of<LevelChanged>(), l => l.To == OomWarden.Core.Detection.PressureLevel.Term);

        h.Engine.State.Paused = false;
        h.Run();
        Assert.Equal([(10, Signals.SigTerm)], h.Sent);
    }
}
