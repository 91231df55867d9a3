using Microsoft.Extensions.Time.Testing;
using OomWarden.Core.Engine;
using OomWarden.Core.Model;
using OomWarden.Core.Settings;

namespace OomWarden.Core.Tests.Engine;

public class RestartLoopDetectorTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero));

    private RestartLoopDetector Detector(int kills = 3, string within = "00:10:00", int? priority = null) =>
        new(new RestartLoopSettings { Kills = kills, Within = TimeSpan.Parse(within, System.Globalization.CultureInfo.InvariantCulture), Priority = priority }, _time);

    private static KillSubject In(string cgroup, string? exe = null, string? cmdline = null) => new(cgroup, exe, cmdline, "hog");

    [Fact]
    public void The_third_kill_of_one_cgroup_within_the_window_is_flagged_not_the_first_two()
    {
        var d = Detector();
        Assert.Null(d.Record(In("/jobs/a"), byKernel: true));
        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.Null(d.Record(In("/jobs/a"), byKernel: false));
        _time.Advance(TimeSpan.FromMinutes(1));
        var loop = d.Record(In("/jobs/a"), byKernel: true);
        Assert.NotNull(loop);
        Assert.Equal("cgroup", loop.Key);
        Assert.Equal("/jobs/a", loop.Name);
        Assert.Equal(3, loop.Kills);
        Assert.Equal(2, loop.ByKernel);
        Assert.Equal(1, loop.ByOomwarden);
        Assert.True(loop.New);
        Assert.Null(loop.Unit);
        Assert.Equal(1, d.Loops);

        _time.Advance(TimeSpan.FromMinutes(1));
        var fourth = d.Record(In("/jobs/a"), byKernel: true);
        Assert.NotNull(fourth);
        Assert.Equal(4, fourth.Kills);
        Assert.False(fourth.New);
        Assert.Equal(1, d.Loops);
    }

    [Fact]
    public void Kills_spread_wider_than_the_window_are_no_loop()
    {
        var d = Detector();
        d.Record(In("/a"), true);
        _time.Advance(TimeSpan.FromMinutes(6));
        d.Record(In("/a"), true);
        _time.Advance(TimeSpan.FromMinutes(6)); // the first kill left the window
        Assert.Null(d.Record(In("/a"), true));
        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.NotNull(d.Record(In("/a"), true));
    }

    [Fact]
    public void Other_cgroups_do_not_count_and_the_unit_names_the_loop_and_its_restarter()
    {
        var d = Detector();
        d.Record(In("/system.slice/web.service"), true);
        d.Record(In("/system.slice/db.service"), true);
        d.Record(In("/system.slice/web.service/worker"), false);
        var loop = d.Record(In("/system.slice/web.service"), true);
        Assert.NotNull(loop);
        Assert.Equal("unit", loop.Key);
        Assert.Equal("/system.slice/web.service", loop.Name);
        Assert.Equal("web.service", loop.Unit);
        Assert.Contains("systemd unit web.service", loop.Restarter);
    }

    [Fact]
    public void The_same_executable_and_command_line_is_a_loop_across_cgroups()
    {
        var d = Detector();
        d.Record(In("/a", "/usr/bin/java", "java -jar x.jar"), false);
        d.Record(In("/b", "/usr/bin/java", "java -jar x.jar"), false);
        d.Record(In("/c", "/usr/bin/java", "java -jar y.jar"), false);
        var loop = d.Record(In("/d", "/usr/bin/java", "java -jar x.jar"), false);
        Assert.NotNull(loop);
        Assert.Equal("exe", loop.Key);
        Assert.Equal("/usr/bin/java java -jar x.jar", loop.Name);
    }

    [Fact]
    public void Unit_cgroup_is_the_last_service_or_scope_component()
    {
        Assert.Equal("/system.slice/web.service", RestartLoopDetector.UnitCgroup("/system.slice/web.service/worker"));
        Assert.Equal("/user.slice/user-1000.slice/user@1000.service/app.slice/app-firefox-1.scope",
            RestartLoopDetector.UnitCgroup("/user.slice/user-1000.slice/user@1000.service/app.slice/app-firefox-1.scope"));
        Assert.Null(RestartLoopDetector.UnitCgroup("/batch.slice/job7"));
        Assert.Null(RestartLoopDetector.UnitCgroup("/"));
    }

    [Fact]
    public void Kills_zero_turns_detection_off()
    {
        var d = Detector(kills: 0);
        for (int i = 0; i < 10; i++) Assert.Null(d.Record(In("/a"), true));
    }

    [Fact]
    public void Restart_loop_priority_lowers_the_looping_cgroup_and_its_ancestors_until_the_window_passes()
    {
        var d = Detector(priority: -1000);
        for (int i = 0; i < 3; i++) d.Record(In("/system.slice/web.service"), true);
        Assert.True(d.TryCgroupPriority("/system.slice/web.service", out int p));
        Assert.Equal(-1000, p);
        Assert.True(d.TryCgroupPriority("/system.slice", out _));
        Assert.False(d.TryCgroupPriority("/system.slice/web", out _)); // a prefix that is no ancestor
        Assert.False(d.TryCgroupPriority("/user.slice", out _));
        Assert.False(d.TryCgroupPriority("/system.slice/web.service/child", out _));
        _time.Advance(TimeSpan.FromMinutes(11));
        Assert.False(d.TryCgroupPriority("/system.slice/web.service", out _));
    }

    [Fact]
    public void Restart_loop_priority_names_a_looping_executable()
    {
        var d = Detector(priority: -500);
        for (int i = 0; i < 3; i++) d.Record(In("/x" + i, "/opt/app", "app --serve"), false);
        var looping = new ProcessSample { Pid = 9, Comm = "app", ExePath = "/opt/app", CommandLine = "app --serve" };
        var other = looping with { CommandLine = "app --batch" };
        Assert.True(d.TryProcessPriority(looping, out int p));
        Assert.Equal(-500, p);
        Assert.False(d.TryProcessPriority(other, out _));
    }

    [Fact]
    public void Without_a_priority_nothing_is_overridden()
    {
        var d = Detector();
        for (int i = 0; i < 3; i++) d.Record(In("/a"), true);
        Assert.False(d.TryCgroupPriority("/a", out _));
    }
}

public class RestartLoopPriorityTests
{
    /// <summary>restart_loop_priority: the looping service is the next victim although the other one is larger, and
    /// a protected cgroup stays protected.</summary>
    [Fact]
    public void The_looping_unit_is_chosen_first_next_time()
    {
        var view = OomWarden.Core.Tests.TreeDsl.View("""
            cg /system.slice 1000
            cg /system.slice/loop.service 100
            p /system.slice/loop.service 10 small 100
            cg /user.slice 4000
            p /user.slice 20 big 4000
            """);
        var time = new FakeTimeProvider();
        var loops = new RestartLoopDetector(new RestartLoopSettings { Kills = 3, Priority = -1000 }, time);
        var policy = OomWarden.Core.Tests.TreeDsl.Rules();
        var selector = new OomWarden.Core.Decisions.HierarchicalSelector(policy);
        Assert.Equal(20, selector.Select(view).Victim?.Pid);

        policy.Override = loops;
        Assert.Equal(20, selector.Select(view).Victim?.Pid); // not looping yet
        for (int i = 0; i < 3; i++) loops.Record(new KillSubject("/system.slice/loop.service", null, null, "small"), byKernel: true);
        Assert.Equal(10, selector.Select(view).Victim?.Pid);

        var guarded = OomWarden.Core.Tests.TreeDsl.Rules("cgroup=/system.slice/loop.service protect");
        guarded.Override = loops;
        Assert.Equal(20, new OomWarden.Core.Decisions.HierarchicalSelector(guarded).Select(view).Victim?.Pid);
    }
}
