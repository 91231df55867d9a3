using System.Security.Cryptography;
using OomWarden.Integration.Tests.Infrastructure;

namespace OomWarden.Integration.Tests.Control;

/// <summary>Reload on the real daemon, confined to the test's own v1 cgroup. A hog that ignores SIGTERM is signalled
/// (a 12 s grace); during its grace a good config is reloaded by the verb, a bad one is rejected (every reason, exit
/// 78, the running config's sha256 unchanged), and a good one by SIGHUP. The kill in flight survives both reloads:
/// it is escalated to SIGKILL when its grace ends and judged with the memory it freed (on the new domain object),
/// and the counters keep counting across the reloads.</summary>
public sealed class ReloadTests
{
    [Fact]
    public void Good_bad_and_sighup_reloads_keep_the_kill_in_flight_and_the_counters()
    {
        using var cg = V1MemoryCgroup.Create("oomwarden-reload", 64L << 20);
        using var f = new ControlFixture();
        f.WriteConfig(cg.Path, grace: "12s");
        using var daemon = DaemonProcess.Start("run", "--no-mlock", "--config", f.ConfigPath);

        var hog = cg.Start(TestHelpers.Hog, "-s", "56", "-r", "0", "-I", "-L", "90");
        Assert.StartsWith("READY", hog.StandardOutput.ReadLine());
        Assert.True(ControlFixture.WaitUntil(() => daemon.Log.Contains($"sent SIGTERM to pid {hog.Id}", StringComparison.Ordinal), TimeSpan.FromSeconds(30)),
            "no SIGTERM:\n" + daemon.Log);
        var before = f.StatusJson(daemon);
        Assert.Contains(before.GetProperty("kills_in_flight").EnumerateArray(), k => k.GetProperty("pid").GetInt32() == hog.Id && k.GetProperty("phase").GetString() == "grace");
        string sha0 = before.GetProperty("config").GetProperty("sha256").GetString()!;

        // 1. A good file by the verb: a changed kill level and a restart-only change (the journal path).
        f.WriteConfig(cg.Path, grace: "12s", kill: "8%");
        File.WriteAllText(f.ConfigPath, File.ReadAllText(f.ConfigPath).Replace(f.Events, f.Events + ".elsewhere", StringComparison.Ordinal));
        var good = f.Client("reload", "--socket", f.Socket);
        Assert.True(good.ExitCode == 0, $"reload exit {good.ExitCode}: {good.Stderr}\n{daemon.Log}");
        string sha1 = Sha(f.ConfigPath);
        Assert.Contains($"reloaded {f.ConfigPath} (sha256 {sha1})", good.Stdout);
        Assert.Contains("not applied until a restart: [action] events", good.Stdout);
        var afterGood = f.StatusJson(daemon);
        Assert.Equal(sha1, afterGood.GetProperty("config").GetProperty("sha256").GetString());
        Assert.Equal((long)((64L << 20) * (8 / 100.0)), ControlFixture.Domain(afterGood, cg.Path).GetProperty("kill_bytes").GetInt64());
        Assert.Contains(afterGood.GetProperty("kills_in_flight").EnumerateArray(), k => k.GetProperty("pid").GetInt32() == hog.Id);

        // 2. A bad file: every reason, exit 78, the running policy stays.
        File.WriteAllText(f.ConfigPath, "[cgroups]\nheadroom_term = 25\nheadroom_kill = \"lots\"\n[sytem]\n");
        var bad = f.Client("reload", "--socket", f.Socket);
        Assert.Equal(78, bad.ExitCode);
        Assert.Contains($"{f.ConfigPath}:2:1:", bad.Stderr);
        Assert.Contains($"{f.ConfigPath}:3:1:", bad.Stderr);
        Assert.Contains($"{f.ConfigPath}:4:1:", bad.Stderr);
        Assert.Contains("rejected; the running policy stays", bad.Stderr);
        Assert.Equal(sha1, f.StatusJson(daemon).GetProperty("config").GetProperty("sha256").GetString());

        // 3. A good file by SIGHUP.
        f.WriteConfig(cg.Path, grace: "12s", kill: "9%");
        string sha2 = Sha(f.ConfigPath);
        Assert.Equal(0, Signals.Send(daemon.Pid, 1));
        Assert.True(ControlFixture.WaitUntil(() => f.StatusJson(daemon).GetProperty("config").GetProperty("sha256").GetString() == sha2, TimeSpan.FromSeconds(60)),
            "SIGHUP did not reload:\n" + daemon.Log);

        // The kill started before the reloads ends as it would have: SIGKILL at the end of its grace, judged with
        // the memory freed as the new domain sees it.
        Assert.True(ControlFixture.WaitUntil(() => EventLog.Kills(f.Events).Any(k => k.GetProperty("pid").GetInt32() == hog.Id), TimeSpan.FromSeconds(40)),
            "the kill in flight was never judged:\n" + daemon.Log);
        var judged = EventLog.Kills(f.Events).Single(k => k.GetProperty("pid").GetInt32() == hog.Id);
        Assert.Equal("SIGKILL", judged.GetProperty("signal").GetString());
        Assert.True(judged.GetProperty("escalated").GetBoolean());
        Assert.True(judged.GetProperty("freed_bytes").GetInt64() > 40L << 20, judged.ToString());
        Assert.True(hog.WaitForExit(10_000));
        var end = f.StatusJson(daemon);
        Assert.Contains(end.GetProperty("counters").EnumerateArray(), c => c.GetProperty("name").GetString() == "oomwarden_kills_total"
            && c.GetProperty("labels").GetProperty("domain").GetString() == cg.Path && c.GetProperty("value").GetInt64() == 1);
        Assert.Contains(end.GetProperty("counters").EnumerateArray(), c => c.GetProperty("name").GetString() == "oomwarden_config_reloads_total"
            && c.GetProperty("labels").GetProperty("result").GetString() == "applied" && c.GetProperty("value").GetInt64() == 2);
        Assert.Equal(1, ControlFixture.Domain(end, cg.Path).GetProperty("kills").GetInt32());
        Assert.Equal(0L, cg.KernelOomKills());

        Assert.Equal(0, daemon.Stop(TimeSpan.FromSeconds(10)));
        var journal = EventLog.Read(f.Events);
        var reloads = journal.Where(e => e.GetProperty("event").GetString() == "reload").ToList();
        Assert.Equal(["applied", "rejected", "applied"], reloads.Select(r => r.GetProperty("result").GetString()).ToArray());
        Assert.Equal(sha1, reloads[0].GetProperty("sha256").GetString());
        Assert.Equal(sha2, reloads[2].GetProperty("sha256").GetString());
        Assert.Equal(sha0, journal[0].GetProperty("sha256").GetString());
        Assert.False(File.Exists(f.Events + ".elsewhere"), "a restart-only setting was half-applied");
        Assert.Contains("reload: ", daemon.Log);
    }

    private static string Sha(string path) => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)));
}
