namespace OomWarden.Integration.Tests.Infrastructure;

/// <summary>The config of a real daemon a test starts on this host, confined to the test's own cgroups: the system
/// domain off, <c>[cgroups] include</c> only the given cgroups, the journal and the control socket in the test's
/// directory. Tests add their keys per table; <see cref="Write"/> writes DIR/oomwarden.toml and returns its path.
/// Every test daemon on this host gets its own control socket (or none, with <c>ControlSocket = ""</c>): parallel test
/// daemons never race for /run/oomwarden/control, and a client never talks to another test's daemon. The vmlab tests
/// write theirs with it too (the guest's cgroups, <c>ControlSocket = null</c>: the guest has its own /run).</summary>
public sealed class ConfinedConfig(string dir, params string[] include)
{
    public string Dir { get; } = dir;

    /// <summary>The cgroup paths (or globs) the daemon watches, as /proc/PID/cgroup shows them.</summary>
    public IReadOnlyList<string> Include { get; } = include;

    /// <summary>False: the system domain stays on (tests that watch the host in dry-run, cgroups off).</summary>
    public bool ConfineSystem { get; init; } = true;

    /// <summary>More lines for [cgroups] ("headroom_kill = \"0B\""). With no cgroup to include: <c>enabled = false</c>.</summary>
    public string Cgroups { get; init; } = "";

    /// <summary>More lines for [action] ("dry_run = true", "term_grace = \"5s\"").</summary>
    public string Action { get; init; } = "";

    /// <summary>More lines for [control] ("group = \"nogroup\"").</summary>
    public string Control { get; init; } = "";

    /// <summary>Tables after the rest ([levels], [notify], [[rule]], [metrics]...), each with its header.</summary>
    public string Tables { get; init; } = "";

    public string Events { get; init; } = System.IO.Path.Combine(dir, "events.jsonl");

    /// <summary>DIR/control.sock by default; "" runs the daemon without a control socket; null writes no [control]
    /// table (a daemon in a vmlab guest, which has a /run of its own).</summary>
    public string? ControlSocket { get; init; } = ControlSocketIn(dir);

    public string Path => System.IO.Path.Combine(Dir, "oomwarden.toml");

    public static string ControlSocketIn(string dir) => System.IO.Path.Combine(dir, "control.sock");

    /// <summary>A config of nothing but the control socket, for a daemon that keeps every default otherwise.</summary>
    public static string WriteControlOnly(string dir)
    {
        string path = System.IO.Path.Combine(dir, "oomwarden.toml");
        File.WriteAllText(path, $"[control]\nsocket = \"{ControlSocketIn(dir)}\"\n");
        return path;
    }

    public string Text()
    {
        string cgroups = Include.Count == 0
            ? "enabled = false"
            : "include = [" + string.Join(", ", Include.Select(c => $"\"{c}\"")) + "]";
        return $$"""
            {{(ConfineSystem ? "[system]\nenabled = false\n" : "")}}[cgroups]
            {{cgroups}}
            {{Cgroups}}
            [action]
            events = "{{Events}}"
            {{Action}}
            {{(ControlSocket is null ? "" : $"[control]\nsocket = \"{ControlSocket}\"\n{Control}")}}
            {{Tables}}

            """;
    }

    public string Write()
    {
        File.WriteAllText(Path, Text());
        return Path;
    }

    /// <summary>Refuses to start a test daemon whose config (--config) has no [control] table: it would bind, or
    /// fight over, the host's /run/oomwarden/control.</summary>
    internal static void RequireOwnControlSocket(IReadOnlyList<string> args)
    {
        int i = args.ToList().IndexOf("--config");
        if (i < 0 || i + 1 >= args.Count)
            throw new InvalidOperationException("a test daemon needs --config with its own [control] socket (ConfinedConfig)");
        bool has = File.ReadAllLines(args[i + 1]).Any(l => l.Trim() == "[control]");
        if (!has) throw new InvalidOperationException($"{args[i + 1]} has no [control] table: a test daemon needs its own socket (ConfinedConfig)");
    }
}
