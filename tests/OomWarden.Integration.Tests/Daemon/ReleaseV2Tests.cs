using System.Globalization;
using System.Text.Json;
using OomWarden.Integration.Tests.Infrastructure;

namespace OomWarden.Integration.Tests.Daemon;

/// <summary>The cooperative release at medium in vmlab's cgroup v2 guest (memory.max, memory.events): a real
/// own-socket subscriber (tests/helpers/notify_client.py) in a watched 512 MiB cgroup holds memory while a slow hog
/// fills the cgroup. One that frees on request spares everyone, and the journal's <c>release</c> record shows what
/// oomwarden measured it to free; one that ignores the request is passed over after <c>release_grace</c> and oomwarden
/// kills the policy's victim at medium, long before the term level and the kernel.</summary>
public sealed class ReleaseV2Tests
{
    private const string Socket = "/tmp/oomwarden-it/events.sock";

    /// <summary>Medium at 30 % headroom (154 MiB), term at 10 % (51 MiB): the hog at 8 MiB/s crosses from one to the
    /// other in more than 10 s, several release_graces even on a slow TCG guest. The hog is the policy's first victim
    /// (priority −10), though the subscriber holds more.</summary>
    private static string Config(string dir) => new ConfinedConfig(dir, "/r")
    {
        ControlSocket = null,
        Cgroups = "headroom_term = \"10%\"\nheadroom_kill = \"5%\"",
        Tables = $$"""
            [levels]
            low = { available = "45%" }
            medium = { available = "30%" }
            critical = { available = "15%" }
            hold = "2s"
            release_grace = "2s"
            [notify]
            socket = "{{Socket}}"
            [[rule]]
            comm = "hog"
            priority = -10
            """,
    }.Text();

    /// <summary>The guest script: the daemon, the subscriber (<paramref name="subscriberArgs"/>) in /r, CONNECTED, then
    /// the hog (<paramref name="hogArgs"/>) in /r; after the hog ends: whether the subscriber lives, memory.events.</summary>
    private static string Script(string dir, string subscriberArgs, string hogArgs) => $$"""
        D={{dir}}
        C=/sys/fs/cgroup
        mkdir $C/r && echo 512M > $C/r/memory.max
        {{Repo.Binary}} run --config $D/oomwarden.toml 2> $D/daemon.log &
        DM=$!
        {{VmLab.WaitFor("$D/daemon.log", "watching", 60)}}
        $D/incg $C/r {{Python3}} -u {{Helper}} {{Socket}} {{subscriberArgs}} > $D/sub.out 2> $D/sub.err & S=$!
        echo $S > $D/sub.pid
        {{VmLab.WaitFor("$D/sub.out", "CONNECTED", 120)}}
        $D/incg $C/r $D/hog {{hogArgs}} > $D/hog.out & H=$!
        echo $H > $D/hog.pid
        wait $H; echo $? > $D/hog.status
        sleep 1
        if kill -0 $S 2>/dev/null; then echo alive > $D/sub.status; else echo dead > $D/sub.status; fi
        cat $C/r/memory.events > $D/memory.events
        cat $C/r/memory.current > $D/memory.current
        kill -TERM $DM; wait $DM
        kill -9 $S 2>/dev/null
        dmesg | tail -40 > $D/dmesg.txt
        """;

    [Fact]
    public void A_subscriber_that_frees_its_cache_on_request_spares_everyone_and_the_journal_shows_what_oomwarden_measured()
    {
        VmLab.Require();
        Repo.RequireBinary();
        string dir = TestHelpers.NewTempDirectory("oomwarden-vm");
        try
        {
            TestHelpers.CopyGuestTools(dir);
            File.WriteAllText(Path.Combine(dir, "oomwarden.toml"), Config(dir));
            // 200 MiB held: the hog reaches medium near 145 MiB, the release gives the 200 MiB back, and the hog's
            // 250 MiB then fit with room to spare (low at most); it holds 8 s and exits by itself.
            var r = VmLab.Run(dir, Script(dir, "--hold 200", "-s 250 -r 8 -t 8 -L 200"), TimeSpan.FromSeconds(420), memMiB: 1536);
            string why = Diagnostics(dir, r);
            Assert.True(r.ExitCode == 0, why);
            Assert.True(Read(dir, "hog.status").Trim() == "0", "the hog did not end by itself:\n" + why);
            Assert.True(Read(dir, "sub.status").Trim() == "alive", why);
            Assert.True(Read(dir, "memory.events").Contains("oom_kill 0", StringComparison.Ordinal), "the kernel killed:\n" + why);
            var events = EventLog.Read(Path.Combine(dir, "events.jsonl"));
            Assert.True(!events.Any(e => Event(e) is "kill" or "signal"), "oomwarden killed:\n" + why);
            Assert.Contains(events, e => Event(e) == "level" && e.GetProperty("level").GetString() == "medium");
            var release = events.Where(e => Event(e) == "release").ToList();
            Assert.True(release.Count == 1, why);
            var rel = release[0];
            Assert.Equal(Pid(dir, "sub.pid"), rel.GetProperty("pid").GetInt32());
            Assert.Equal("/r", rel.GetProperty("domain").GetString());
            Assert.Equal("/r", rel.GetProperty("cgroup").GetString());
            Assert.Equal("answered", rel.GetProperty("result").GetString());
            // Measured by oomwarden (the subscriber's footprint before the request and at the deadline): most of the
            // 200 MiB it held, and the domain gained it too.
            long freed = rel.GetProperty("freed_bytes").GetInt64();
            Assert.True(freed is >= 150L << 20 and <= 260L << 20, $"freed_bytes {freed}:\n{why}");
            Assert.True(rel.GetProperty("domain_freed_bytes").GetInt64() >= 100L << 20, why);
            Assert.Contains("RELEASED", Read(dir, "sub.out"));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void A_subscriber_that_ignores_the_request_is_passed_over_after_release_grace_and_oomwarden_kills_before_the_kernel()
    {
        VmLab.Require();
        Repo.RequireBinary();
        string dir = TestHelpers.NewTempDirectory("oomwarden-vm");
        try
        {
            TestHelpers.CopyGuestTools(dir);
            File.WriteAllText(Path.Combine(dir, "oomwarden.toml"), Config(dir));
            // 220 MiB held and kept: the hog reaches medium near 125 MiB and, left alone, the cgroup's limit near
            // 280 MiB (the kernel would kill); its term level near 230 MiB.
            var r = VmLab.Run(dir, Script(dir, "--hold 220 --ignore", "-s 600 -r 8 -L 200"), TimeSpan.FromSeconds(420), memMiB: 1536);
            string why = Diagnostics(dir, r);
            Assert.True(r.ExitCode == 0, why);
            Assert.True(Read(dir, "memory.events").Contains("oom_kill 0", StringComparison.Ordinal), "the kernel killed:\n" + why);
            Assert.True(Read(dir, "sub.status").Trim() == "alive", "the subscriber died (the policy's victim is the hog):\n" + why);
            // SIGTERM (143), or SIGKILL (137) had the cgroup reached its kill level during the 2 s grace.
            Assert.True(Read(dir, "hog.status").Trim() is "143" or "137", "the hog did not die of oomwarden's signal:\n" + why);
            Assert.Contains("\"event\":\"release\"", Read(dir, "sub.out"));
            Assert.DoesNotContain("RELEASED", Read(dir, "sub.out"));

            var events = EventLog.Read(Path.Combine(dir, "events.jsonl"));
            int releaseAt = events.FindIndex(e => Event(e) == "release");
            Assert.True(releaseAt >= 0, "no release record:\n" + why);
            var rel = events[releaseAt];
            Assert.Equal(Pid(dir, "sub.pid"), rel.GetProperty("pid").GetInt32());
            Assert.Equal("no_answer", rel.GetProperty("result").GetString());
            Assert.True(rel.GetProperty("freed_bytes").GetInt64() < 20L << 20, why);

            var kills = events.Where(e => Event(e) == "kill").ToList();
            Assert.True(kills.Count == 1, why);
            var kill = kills[0];
            Assert.Equal(Pid(dir, "hog.pid"), kill.GetProperty("pid").GetInt32());
            Assert.Equal("/r", kill.GetProperty("domain").GetString());
            string reason = kill.GetProperty("reason").GetString()!;
            bool escalation = reason.StartsWith("medium: 1 subscriber asked, ", StringComparison.Ordinal)
                && (reason.Contains(", still medium (", StringComparison.Ordinal) || reason.Contains(", still critical (", StringComparison.Ordinal));
            Assert.True(escalation, $"not a release escalation: {reason}\n{why}");
            // Written ahead, after the subscriber's deadline: the release record, then the signal record, then the kill.
            int signalAt = events.FindIndex(e => Event(e) == "signal");
            Assert.True(releaseAt < signalAt && signalAt < events.IndexOf(kill), why);
            var medium = events.First(e => Event(e) == "level" && e.GetProperty("level").GetString() == "medium");
            Assert.True(Time(events[signalAt]) - Time(medium) >= TimeSpan.FromSeconds(2), "killed before release_grace:\n" + why);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static string Python3 => File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";

    private static string Helper => Path.Combine(Repo.Root, "tests", "helpers", "notify_client.py");

    private static string Event(JsonElement e) => e.GetProperty("event").GetString()!;

    private static DateTimeOffset Time(JsonElement e) => DateTimeOffset.Parse(e.GetProperty("time").GetString()!, CultureInfo.InvariantCulture);

    private static int Pid(string dir, string name) => int.Parse(Read(dir, name).Trim(), CultureInfo.InvariantCulture);

    private static string Diagnostics(string dir, Sh.Result r) =>
        $"guest exit {r.ExitCode}: {r.Stderr}\n--- daemon.log\n{Read(dir, "daemon.log")}\n--- events.jsonl\n{Read(dir, "events.jsonl")}\n"
        + $"--- memory.events\n{Read(dir, "memory.events")}\n--- memory.current {Read(dir, "memory.current")}--- subscriber\n{Read(dir, "sub.out")}\n{Read(dir, "sub.err")}\n"
        + $"--- hog ({Read(dir, "hog.status").Trim()})\n{Read(dir, "hog.out")}\n--- dmesg\n{Read(dir, "dmesg.txt")}";

    private static string Read(string dir, string name)
    {
        string p = Path.Combine(dir, name);
        return File.Exists(p) ? File.ReadAllText(p) : $"({name} missing)\n";
    }
}
