using System.Diagnostics;
using System.Text.Json;
using OomWarden.Integration.Tests.Infrastructure;

namespace OomWarden.Integration.Tests.Daemon;

/// <summary>For the daemon's oom_delay tests on this host's cgroup v1 (<see cref="OomDelayV1Tests"/>,
/// <see cref="OomDelayReloadV1Tests"/>): the test's cgroup (512 MiB), a config confined to it (system domain off, one
/// include, headroom levels of 0 B, <c>[cgroups] oom_delay</c>), its journal, state file and metrics textfile.
/// Dispose puts oom_kill_disable back and removes everything (every process left in the cgroup SIGKILLed by pid),
/// also after a failure.</summary>
internal sealed class OomDelayV1Setup : IDisposable
{
    public const long Limit = 512L << 20;

    /// <summary>A rule that leaves the policy nothing to kill in the cgroup: the hog waits out the delay.</summary>
    public const string Protected = """
        [[rule]]
        name = "nothing to kill"
        cmdline = ["hog"]
        protect = true
        """;

    private readonly string _dir;

    private OomDelayV1Setup(V1MemoryCgroup cg, string dir)
    {
        Cg = cg;
        _dir = dir;
        Config = Path.Combine(dir, "oomwarden.toml");
        Events = Path.Combine(dir, "events.jsonl");
        State = Path.Combine(dir, "run", "oom-delay.state");
        Metrics = Path.Combine(dir, "oomwarden.prom");
    }

    public V1MemoryCgroup Cg { get; }
    public string Config { get; }
    public string Events { get; }
    public string State { get; }
    public string Metrics { get; }

    /// <param name="oomDelay">[cgroups] oom_delay.</param>
    public static OomDelayV1Setup Create(string prefix, string rules, string oomDelay = "3s")
    {
        V1MemoryCgroup.Require();
        Repo.RequireBinary();
        var cg = V1MemoryCgroup.Create(prefix, Limit);
        var t = new OomDelayV1Setup(cg, TestHelpers.NewTempDirectory("oomwarden-it"));
        t.WriteConfig(rules, oomDelay);
        return t;
    }

    /// <summary>(Re)writes the config (a reload reads it again).</summary>
    public void WriteConfig(string rules, string oomDelay = "3s") => new ConfinedConfig(_dir, Cg.Path)
    {
        Cgroups = $$"""
            headroom_term = "0B"
            headroom_kill = "0B"
            oom_delay = "{{oomDelay}}"
            oom_delay_state = "{{State}}"
            """,
        Tables = rules + $"\n[metrics]\ntextfile = \"{Metrics}\"\ninterval = \"1s\"\n",
    }.Write();

    public string Socket => ConfinedConfig.ControlSocketIn(_dir);

    /// <summary>The test cgroup's <c>oom_delay</c> in <c>status --json</c> (Null when it has none).</summary>
    public JsonElement StatusOomDelay()
    {
        var r = Sh.Run(Repo.Binary, ["status", "--json", "--socket", Socket], TimeSpan.FromSeconds(30));
        Assert.True(r.ExitCode == 0, r.Stderr);
        using var doc = JsonDocument.Parse(r.Stdout);
        foreach (var d in doc.RootElement.GetProperty("domains").EnumerateArray())
            if (d.GetProperty("name").GetString() == Cg.Path) return d.GetProperty("oom_delay").Clone();
        throw new InvalidOperationException("no domain " + Cg.Path + " in " + r.Stdout);
    }

    public string OomKillDisable() => Field("oom_kill_disable");

    public bool UnderOom() => Field("under_oom") == "1";

    private string Field(string name) => Field(Cg, name);

    public void Dispose()
    {
        try { Cg.Write("memory.oom_control", "0"); } catch (IOException) { }
        Cg.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    /// <summary>A field of the cgroup's memory.oom_control ("?" when absent).</summary>
    public static string Field(V1MemoryCgroup cg, string name)
    {
        foreach (var line in cg.Read("memory.oom_control").Split('\n'))
            if (line.StartsWith(name + " ", StringComparison.Ordinal)) return line[(name.Length + 1)..].Trim();
        return "?";
    }

    /// <summary>The lab's hog inside <paramref name="cg"/> (its limit bounds it), once it printed READY.</summary>
    public static Process Hog(V1MemoryCgroup cg, params string[] args)
    {
        var p = cg.Start(TestHelpers.Hog, args);
        Assert.StartsWith("READY", p.StandardOutput.ReadLine());
        return p;
    }

    public static bool WaitForLine(Process p, string prefix, TimeSpan? timeout = null)
    {
        var task = Task.Run(() =>
        {
            string? line;
            do line = p.StandardOutput.ReadLine();
            while (line is not null && !line.StartsWith(prefix, StringComparison.Ordinal));
            return line is not null;
        });
        return task.Wait(timeout ?? TimeSpan.FromSeconds(20)) && task.Result;
    }
}
