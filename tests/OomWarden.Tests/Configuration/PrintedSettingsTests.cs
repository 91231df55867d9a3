using System.Collections;
using System.Reflection;
using OomWarden.Commands;
using OomWarden.Configuration;
using OomWarden.Core.Settings;

namespace OomWarden.Tests.Configuration;

/// <summary>check-config prints "every effective setting (as a TOML file you could load back)": loading the printed
/// text gives the same settings, leaf by leaf, for every setting there is.</summary>
public class PrintedSettingsTests
{
    /// <summary>Every key set to something other than its default.</summary>
    private const string EveryKey = """
        preset = "desktop"
        selector = "badness"

        [system]
        enabled = false
        mem_available_term = "12.5%"
        mem_available_kill = "0.25%"
        swap_free_term = "3GiB"
        swap_free_kill = "1536MiB"
        combine = "or"

        [cgroups]
        enabled = false
        headroom_term = "64MiB"
        headroom_kill = "3.5%"
        include = ["/batch.slice/*", "/kubepods.slice/**", "/odd \"quoted\" \\ path\ttab"]
        oom_delay = "2500ms"
        oom_delay_high_margin = "64MiB"
        oom_delay_state = "/run/ow \"state\""

        [monitor]
        min_interval = "2500ns"
        max_interval = "90s"
        max_fill_rate = "3GiB/s"
        rescan_interval = "2m"
        events = false

        [action]
        dry_run = true
        term_grace = "1500ms"
        settle = "250us"
        memory_release = false
        events = "/var/tmp/ev ents\u0001.jsonl"
        restart_loop = { kills = 0, within = "30m" }
        restart_loop_priority = -500

        [levels]
        enabled = false
        low = { available = "30%", psi_some_avg10 = 5.5, psi_full_avg10 = 2, exhaustion_in = "1m" }
        medium = { available = "1GiB", psi_some_avg10 = 25.0, psi_full_avg10 = 5.0, exhaustion_in = "30s" }
        hold = "7s"
        release_grace = "1500ms"
        repeat = "20s"
        release = false
        release_kill = false
        reclaim_step = "64MiB"
        reclaim_interval = "3s"
        reclaim_psi_some_avg10 = 2.5

        [levels.critical]
        available = "256MiB"
        psi_some_avg10 = 50
        psi_full_avg10 = 20.0
        exhaustion_in = "5s"

        [notify]
        socket = "/run/ow/e.sock"
        pressure_socket = "/run/ow/p.sock"
        low_memory_monitor = true
        desktop = true
        hooks = [{ on = ["kernel_kill"], argv = ["/bin/echo", "a \"b\""], timeout = "1500ms" }]
        [control]
        socket = "/run/x y/ctl"
        group = "root"
        [metrics]
        textfile = "/var/lib/node exporter/o.prom"
        interval = "1m"
        listen = "0.0.0.0:9874"
        allow_remote = true
        """;

    /// <summary>Every leaf setting with its path ("System.MemAvailableTerm"), found by reflection so that a setting
    /// added later is covered without editing this test.</summary>
    private static List<(string Path, object? Value)> Leaves(DaemonSettings settings)
    {
        var leaves = new List<(string, object?)>();
        void Walk(object node, string prefix)
        {
            foreach (var p in node.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
            {
                if (p.GetIndexParameters().Length > 0 || p.Name == "EqualityContract") continue;
                object? value = p.GetValue(node);
                string path = prefix + p.Name;
                if (value is not null && p.PropertyType.Namespace == typeof(DaemonSettings).Namespace && !p.PropertyType.IsValueType && !p.PropertyType.IsEnum)
                    Walk(value, path + ".");
                else
                    leaves.Add((path, value is IEnumerable list and not string ? string.Join("\u001f", list.Cast<object>()) : value));
            }
        }
        Walk(settings, "");
        return leaves;
    }

    private static string Print(DaemonSettings settings)
    {
        var w = new StringWriter();
        ConfigPrinter.PrintSettings(settings, w);
        return w.ToString();
    }

    private static DaemonSettings Load(string text, string name)
    {
        var result = ConfigLoader.LoadText(text, name);
        Assert.True(result.Success, name + ":\n" + string.Join("\n", result.Errors) + "\n" + text);
        return result.Config.Settings;
    }

    [Fact]
    public void TheEveryKeyFileSetsEverySettingAwayFromItsDefault()
    {
        var defaults = Leaves(DaemonSettings.Default);
        var everyKey = Leaves(Load(EveryKey, "every-key.toml"));
        Assert.Equal(defaults.Select(l => l.Path), everyKey.Select(l => l.Path));
        for (int i = 0; i < defaults.Count; i++)
            Assert.False(Equals(defaults[i].Value, everyKey[i].Value), $"{defaults[i].Path}: the every-key file leaves it at its default");
    }

    public static TheoryData<string> Configs() => new() { "every-key", "defaults", "deploy/policies/desktop.toml", "deploy/policies/server.toml", "deploy/policies/kubernetes.toml" };

    [Theory]
    [MemberData(nameof(Configs))]
    public void PrintedSettingsLoadBackToTheSameSettings(string config)
    {
        var original = config switch
        {
            "every-key" => Load(EveryKey, "every-key.toml"),
            "defaults" => DaemonSettings.Default,
            _ => Load(File.ReadAllText(Golden.Fixture(config)), config),
        };
        string printed = Print(original);
        var reloaded = Load(printed, "printed.toml");
        Assert.Equal(Leaves(original), Leaves(reloaded));
        Assert.Equal(printed, Print(reloaded));
    }

    [Fact]
    public void CheckConfigOutputLoadsBack()
    {
        string path = Path.Combine(Path.GetTempPath(), $"oomwarden-every-key-{Guid.NewGuid():N}.toml");
        File.WriteAllText(path, EveryKey);
        try
        {
            var stdout = new StringWriter();
            var stderr = new StringWriter();
            Assert.Equal(ExitCodes.Ok, CheckConfigCommand.Run([path], stdout, stderr));
            string output = stdout.ToString();
            string printed = output[output.IndexOf("# effective settings", StringComparison.Ordinal)..];
            Assert.Contains("[system]\nenabled = false\n", printed, StringComparison.Ordinal);
            Assert.Equal(Leaves(Load(EveryKey, "every-key.toml")), Leaves(Load(printed, "printed.toml")));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
