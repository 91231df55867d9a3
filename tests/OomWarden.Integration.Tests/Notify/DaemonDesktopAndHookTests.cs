using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using OomWarden.Integration.Tests.Infrastructure;

namespace OomWarden.Integration.Tests.Notify;

/// <summary>End to end through a running daemon (not a dry run): it is confined by its config to the test's own v1
/// memory cgroup (system domain off, only that cgroup included), and the only process in that cgroup is a hog the
/// test started as nobody (setpriv), so the kill it makes there is the hog's. With <c>[notify] desktop = true</c>
/// the kill reaches a notification server on nobody's private session bus (at RUNTIME_ROOT/65534/bus, the
/// daemon pointed at it with <c>run --run-user-root</c>); with <c>hooks</c> a program gets the cgroup's level
/// change and the kill (JSON on stdin, OOMWARDEN_* environment).</summary>
public sealed class DaemonDesktopAndHookTests : IDisposable
{
    private const long Limit = 256L << 20;
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);
    private readonly string _dir = TestHelpers.NewTempDirectory("oomwarden-e2e");

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    /// <summary>The hog as nobody:nogroup inside <paramref name="cg"/> (the cgroup's start shell moves itself in as
    /// root, then execs setpriv, which execs the hog: the pid stays the test's).</summary>
    private static Process StartHogAsNobody(V1MemoryCgroup cg)
    {
        if (!File.Exists("/usr/bin/setpriv")) Assert.Fail("/usr/bin/setpriv is missing: scripts/deps.sh installs util-linux");
        var hog = cg.Start("/usr/bin/setpriv", $"--reuid={DesktopNotifyTests.Nobody}", $"--regid={DesktopNotifyTests.NoGroup}", "--clear-groups",
            TestHelpers.Hog, "-s", "2048", "-r", "50", "-L", "90");
        Assert.StartsWith("READY", hog.StandardOutput.ReadLine());
        return hog;
    }

    private static JsonElement SingleKill(string events, Process hog, string log)
    {
        var kills = EventLog.Kills(events);
        Assert.True(kills.Count == 1, $"{kills.Count} kill records:\n{log}");
        var kill = kills[0];
        Assert.Equal(hog.Id, kill.GetProperty("pid").GetInt32());
        Assert.Equal("hog", kill.GetProperty("comm").GetString());
        return kill;
    }

    [Fact]
    public void A_running_daemon_shows_its_kill_on_the_session_bus_of_the_victim_s_user()
    {
        V1MemoryCgroup.Require();
        Repo.RequireBinary();
        string runtimeRoot = Path.Combine(_dir, "run-user");
        Directory.CreateDirectory(runtimeRoot);
        var (bus, server) = DesktopNotifyTests.StartSession(runtimeRoot);
        using var _b = bus;
        using var _s = server;
        using var cg = V1MemoryCgroup.Create("oomwarden-desk", Limit);
        string events = Path.Combine(_dir, "events.jsonl");
        string config = new ConfinedConfig(_dir, cg.Path) { ControlSocket = "", Tables = "[notify]\ndesktop = true" }.Write();
        using var daemon = DaemonProcess.Start("run", "--no-mlock", "--config", config, "--run-user-root", runtimeRoot);
        var hog = StartHogAsNobody(cg);
        Assert.True(hog.WaitForExit(Wait), "the hog is still running:\n" + daemon.Log);

        string? line = server.NextLine(Wait);
        Assert.True(line is not null, "no Notify reached nobody's session bus:\n" + daemon.Log + "\n" + server.Stderr);
        Assert.Equal(0, daemon.Stop(TimeSpan.FromSeconds(10)));
        Assert.Equal(0, cg.KernelOomKills());
        var kill = SingleKill(events, hog, daemon.Log);
        Assert.Equal(cg.Path, kill.GetProperty("cgroup").GetString());

        using var json = JsonDocument.Parse(line!);
        var n = json.RootElement;
        Assert.Equal("oomwarden", n.GetProperty("app_name").GetString());
        Assert.Equal($"Out of memory: stopped hog (pid {hog.Id.ToString(CultureInfo.InvariantCulture)})", n.GetProperty("summary").GetString());
        // The body is the journal's reason (escaped for servers that read markup).
        string reason = kill.GetProperty("reason").GetString()!;
        Assert.Contains("headroom", reason);
        Assert.Equal(reason.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;"), n.GetProperty("body").GetString());
        Assert.Equal(DesktopNotifyTests.Nobody, n.GetProperty("uid").GetInt32()); // the caller was nobody, not root
        // One kill, one notification.
        Assert.Null(server.NextLine(TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public void A_running_daemon_runs_its_hook_on_a_level_change_and_on_the_kill()
    {
        V1MemoryCgroup.Require();
        Repo.RequireBinary();
        using var cg = V1MemoryCgroup.Create("oomwarden-hook", Limit);
        string outDir = Path.Combine(_dir, "runs");
        Directory.CreateDirectory(outDir);
        // One run: argv, the stdin line, the OOMWARDEN_* variables; the .json appears last (renamed), complete.
        string hook = Path.Combine(_dir, "hook.sh");
        File.WriteAllText(hook, $$"""
            #!/bin/sh
            run="{{outDir}}/$(date +%s%N).$OOMWARDEN_EVENT"
            printf '%s\n' "$@" > "$run.argv"
            env | grep '^OOMWARDEN_' | sort > "$run.env"
            cat > "$run.tmp"
            mv "$run.tmp" "$run.json"
            """);
        File.SetUnixFileMode(hook, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        string events = Path.Combine(_dir, "events.jsonl");
        string config = new ConfinedConfig(_dir, cg.Path)
        {
            ControlSocket = "",
            Tables = $$"""
                [levels]
                low = { available = "75%" }
                medium = {}
                critical = {}
                [notify]
                hooks = [{ on = ["level", "kill"], argv = ["{{hook}}", "--team", "infra"], timeout = "10s" }]
                """,
        }.Write();
        using var daemon = DaemonProcess.Start("run", "--no-mlock", "--config", config);
        var hog = StartHogAsNobody(cg);
        Assert.True(hog.WaitForExit(Wait), "the hog is still running:\n" + daemon.Log);

        string Runs() => string.Join(", ", Directory.GetFiles(outDir).Select(Path.GetFileName));
        Assert.True(SpinWait.SpinUntil(() => Directory.GetFiles(outDir, "*.kill.json").Length > 0, Wait), "the hook did not run for the kill: " + Runs() + "\n" + daemon.Log);
        Assert.Equal(0, daemon.Stop(TimeSpan.FromSeconds(10)));
        Assert.Equal(0, cg.KernelOomKills());
        var kill = SingleKill(events, hog, daemon.Log);

        // The first level change: the cgroup's headroom fell under 75 % of its limit.
        string levelRun = Directory.GetFiles(outDir, "*.level.json").Order(StringComparer.Ordinal).FirstOrDefault()
            ?? throw new Xunit.Sdk.XunitException("the hook did not run for a level change: " + Runs() + "\n" + daemon.Log);
        using (var doc = JsonDocument.Parse(File.ReadAllText(levelRun)))
        {
            var r = doc.RootElement;
            Assert.Equal("level", r.GetProperty("event").GetString());
            Assert.Equal(cg.Path, r.GetProperty("domain").GetString());
            Assert.Equal("low", r.GetProperty("level").GetString());
            Assert.Equal("none", r.GetProperty("previous").GetString());
            long available = r.GetProperty("available_bytes").GetInt64();
            Assert.InRange(available, 1, Limit * 3 / 4);
            var env = Env(levelRun);
            Assert.Equal("level", env["OOMWARDEN_EVENT"]);
            Assert.Equal(cg.Path, env["OOMWARDEN_DOMAIN"]);
            Assert.Equal("low", env["OOMWARDEN_LEVEL"]);
            Assert.Equal("none", env["OOMWARDEN_PREVIOUS_LEVEL"]);
            Assert.Equal(available.ToString(CultureInfo.InvariantCulture), env["OOMWARDEN_AVAILABLE_BYTES"]);
            Assert.Equal(r.GetProperty("time").GetString(), env["OOMWARDEN_TIME"]);
        }
        // The level record of the journal says the same.
        Assert.Contains(EventLog.Read(events), e => e.GetProperty("event").GetString() == "level" && e.GetProperty("domain").GetString() == cg.Path
            && e.GetProperty("level").GetString() == "low");

        string killRun = Assert.Single(Directory.GetFiles(outDir, "*.kill.json"));
        Assert.Equal(new[] { "--team", "infra" }, File.ReadAllLines(Path.ChangeExtension(killRun, ".argv")));
        using (var doc = JsonDocument.Parse(File.ReadAllText(killRun)))
        {
            var r = doc.RootElement;
            // The journal's kill record, as written.
            Assert.Equal("kill", r.GetProperty("event").GetString());
            foreach (var field in (string[])["signal_id", "comm", "cgroup", "domain", "signal", "reason", "result"])
                Assert.Equal(kill.GetProperty(field).GetString(), r.GetProperty(field).GetString());
            Assert.Equal(hog.Id, r.GetProperty("pid").GetInt32());
            Assert.Equal(kill.GetProperty("freed_bytes").GetInt64(), r.GetProperty("freed_bytes").GetInt64());
            var env = Env(killRun);
            Assert.Equal("kill", env["OOMWARDEN_EVENT"]);
            Assert.Equal(hog.Id.ToString(CultureInfo.InvariantCulture), env["OOMWARDEN_PID"]);
            Assert.Equal("hog", env["OOMWARDEN_COMM"]);
            Assert.Equal(cg.Path, env["OOMWARDEN_CGROUP"]);
            Assert.Equal(cg.Path, env["OOMWARDEN_DOMAIN"]);
            Assert.Equal(DesktopNotifyTests.Nobody.ToString(CultureInfo.InvariantCulture), env["OOMWARDEN_UID"]);
            Assert.Equal(kill.GetProperty("signal").GetString(), env["OOMWARDEN_SIGNAL"]);
            Assert.Equal(kill.GetProperty("result").GetString(), env["OOMWARDEN_RESULT"]);
            Assert.Equal(kill.GetProperty("signal_id").GetString(), env["OOMWARDEN_SIGNAL_ID"]);
            Assert.Equal(kill.GetProperty("freed_bytes").GetInt64().ToString(CultureInfo.InvariantCulture), env["OOMWARDEN_FREED_BYTES"]);
            Assert.Equal("0", env["OOMWARDEN_DRY_RUN"]);
        }
    }

    private static Dictionary<string, string> Env(string jsonPath)
    {
        var env = new Dictionary<string, string>();
        foreach (var line in File.ReadAllLines(Path.ChangeExtension(jsonPath, ".env")))
        {
            int eq = line.IndexOf('=');
            if (eq > 0) env[line[..eq]] = line[(eq + 1)..];
        }
        return env;
    }
}
