using OomWarden.Core.Engine;
using OomWarden.KernelLog.Diagnosis;
using OomWarden.KernelLog.Model;

namespace OomWarden.KernelLog.Tests;

/// <summary><see cref="RestartLoops"/> counts a kill under the keys <see cref="RestartLoopDetector.Keys"/> gives (it writes them out).</summary>
public class RestartLoopsTests
{
    [Theory]
    [InlineData("/system.slice/web.service")]
    [InlineData("/system.slice/web.service/worker")]
    [InlineData("/user.slice/user-1000.slice/session-2.scope/x")]
    [InlineData("/kl2")]
    [InlineData("/")]
    [InlineData("")]
    [InlineData(null)]
    public void A_kill_is_counted_under_the_detectors_keys(string? cgroup)
    {
        var loops = new RestartLoops();
        int kills = loops.Settings.Kills + 2;
        for (int i = 0; i < kills; i++)
            loops.Add(new OomReport { TaskMemcg = cgroup, UptimeSeconds = 10 + i, Index = i + 1, Killed = new KilledTask { Pid = 100 + i, Comm = "hog" } });
        var want = RestartLoopDetector.Keys(new KillSubject(cgroup, null, null, "hog")).Select(k => (k.Kind, k.Name, k.Unit)).Take(1).ToList(); // the loop is named by its first key
        var got = loops.Flagged.Select(e => (e.Key, e.Name, e.Unit)).ToList();
        Assert.Equal(want, got);
        Assert.All(loops.Flagged, e => Assert.Equal(kills, e.Kills));
    }
}
