using OomWarden.Commands;
using OomWarden.Configuration;
using OomWarden.Daemon;
using OomWarden.Linux;

namespace OomWarden.Tests.Daemon;

/// <summary>Where reclaim = true cannot act, the daemon says so once at start and the engine gets no reclaim
/// options; check-config warns on a v1 host.</summary>
public class ReclaimRuntimeTests
{
    private const string WithKey = """
        [[rule]]
        cgroup = "/cache"
        reclaim = true
        """;

    private static (DaemonRuntime Daemon, List<string> Log) Build(FixtureTree tree, string toml)
    {
        var result = ConfigLoader.LoadText(toml, "t.toml");
        Assert.True(result.Success, string.Join("\n", result.Errors));
        var log = new List<string>();
        return (DaemonRuntime.Build(result.Config, tree.Paths, TimeProvider.System, "test", log: log.Add), log);
    }

    [Theory]
    [InlineData("kernel-6.18-hybrid", "cgroup v1 has no memory.reclaim")]
    [InlineData("kernel-6.1-v2", "a --sys-root tree is read, never written")]
    public void The_key_is_ignored_with_one_log_line_where_it_cannot_act(string scenario, string why)
    {
        using var tree = FixtureTree.Copy(scenario);
        var (daemon, log) = Build(tree, WithKey);
        using (daemon)
        {
            Assert.Null(daemon.Engine.Options.Reclaim);
            Assert.Null(daemon.Runner.Reclaim);
            var line = Assert.Single(log, l => l.Contains("reclaim", StringComparison.Ordinal));
            Assert.Contains(why, line);
        }
    }

    [Fact]
    public void Without_the_key_nothing_is_said()
    {
        using var tree = FixtureTree.Copy("kernel-6.18-hybrid");
        var (daemon, log) = Build(tree, "");
        using (daemon) Assert.DoesNotContain(log, l => l.Contains("reclaim", StringComparison.Ordinal));
    }

    [Fact]
    public void Check_config_warns_when_this_host_has_no_memory_reclaim()
    {
        string file = Path.Combine(Path.GetTempPath(), "oomwarden-reclaim-" + Guid.NewGuid().ToString("N")[..8] + ".toml");
        File.WriteAllText(file, WithKey);
        try
        {
            var stdout = new StringWriter();
            var stderr = new StringWriter();
            Assert.Equal(0, CheckConfigCommand.Run([file], stdout, stderr));
            bool v2 = Linux.Cgroups.CgroupLayoutReader.TryRead(HostPaths.Default, out var layout, out _)
                && layout.MemoryVersion == Linux.Parsing.CgroupVersion.V2;
            if (v2) Assert.DoesNotContain("reclaim = true is ignored", stderr.ToString());
            else Assert.Contains("warning: reclaim = true is ignored on this host", stderr.ToString());
            Assert.Contains("reclaim=true", stdout.ToString());
        }
        finally
        {
            File.Delete(file);
        }
    }
}
