using OomWarden.Configuration;
using OomWarden.Core.Decisions;
using OomWarden.Core.Settings;

namespace OomWarden.Tests.Configuration;

public class ConfigLoaderTests
{
    private static LoadedConfig Ok(string text)
    {
        var result = ConfigLoader.LoadText(text, "test.toml");
        Assert.True(result.Success, string.Join("\n", result.Errors));
        return result.Config;
    }

    private static IReadOnlyList<ConfigError> Fail(string text)
    {
        var result = ConfigLoader.LoadText(text, "test.toml");
        Assert.False(result.Success);
        Assert.NotEmpty(result.Errors);
        return result.Errors;
    }

    [Fact]
    public void EmptyFileGivesEveryDefault()
    {
        var config = Ok("");
        Assert.Equal(DaemonSettings.Default, config.Settings with { });
        Assert.Empty(config.Policy.Rules);
        Assert.Equal("none", config.Policy.Preset);
    }

    [Fact]
    public void FullSchemaBinds()
    {
        var config = Ok("""
            preset = "server"
            selector = "badness"
            [system]
            mem_available_term = "512MiB"
            mem_available_kill = "256MiB"
            swap_free_term = "20%"
            swap_free_kill = "0.5%"
            combine = "or"
            [cgroups]
            enabled = false
            headroom_term = "64MiB"
            headroom_kill = "1MiB"
            include = ["/batch/*", "/kubepods.slice/**"]
            [monitor]
            min_interval = "250us"
            max_interval = "2s"
            max_fill_rate = "8GiB"
            rescan_interval = "1m"
            events = false
            [action]
            dry_run = true
            term_grace = "1500ms"
            settle = "3s"
            memory_release = false
            events = "/tmp/events.jsonl"
            [[rule]]
            name = "batch"
            cgroup = "/batch/*"
            priority = -10
            """);
        var s = config.Settings;
        Assert.Equal(SelectorKind.Badness, s.Selector);
        Assert.Equal("server", s.Preset);
        Assert.Equal(Threshold.FromBytes(512L << 20), s.System.MemAvailableTerm);
        Assert.Equal(Threshold.FromBytes(256L << 20), s.System.MemAvailableKill);
        Assert.Equal(Threshold.FromPercent(20), s.System.SwapFreeTerm);
        Assert.Equal(Threshold.FromPercent(0.5), s.System.SwapFreeKill);
        Assert.Equal(Combine.Or, s.System.Combine);
        Assert.False(s.Cgroups.Enabled);
        Assert.Equal(Threshold.FromBytes(64L << 20), s.Cgroups.HeadroomTerm);
        Assert.Equal(Threshold.FromBytes(1 << 20), s.Cgroups.HeadroomKill);
        Assert.Equal(["/batch/*", "/kubepods.slice/**"], s.Cgroups.Include);
        Assert.Equal(TimeSpan.FromMicroseconds(250), s.Monitor.MinInterval);
        Assert.Equal(TimeSpan.FromSeconds(2), s.Monitor.MaxInterval);
        Assert.Equal(8L << 30, s.Monitor.MaxFillRateBytesPerSecond);
        Assert.Equal(TimeSpan.FromMinutes(1), s.Monitor.RescanInterval);
        Assert.False(s.Monitor.Events);
        Assert.True(s.Action.DryRun);
        Assert.Equal(TimeSpan.FromMilliseconds(1500), s.Action.TermGrace);
        Assert.Equal(TimeSpan.FromSeconds(3), s.Action.Settle);
        Assert.False(s.Action.MemoryRelease);
        Assert.Equal("/tmp/events.jsonl", s.Action.EventsPath);

        var first = config.Policy.Rules[0];
        Assert.Equal("batch", first.Name);
        Assert.Equal("test.toml:26", first.Origin);
        Assert.Equal(-10, first.Effect.Priority);
        // the file's rules come before the preset's
        Assert.True(config.Policy.Rules.Count > 1);
        Assert.All(config.Policy.Rules.Skip(1), r => Assert.StartsWith("preset:server:", r.Origin, StringComparison.Ordinal));
    }

    [Fact]
    public void DottedKeysAndInlineTablesBindLikeTables()
    {
        var config = Ok("""
            system.combine = "or"
            monitor = { max_interval = "3s" }
            """);
        Assert.Equal(Combine.Or, config.Settings.System.Combine);
        Assert.Equal(TimeSpan.FromSeconds(3), config.Settings.Monitor.MaxInterval);
    }

    [Fact]
    public void RuleDefaultsToNumberedName()
    {
        var config = Ok("""
            [[rule]]
            comm = "make"
            priority = -5
            [[rule]]
            user = 1000
            kill = "cgroup"
            signal = "INT"
            term_grace = "10s"
            """);
        Assert.Equal("rule 1", config.Policy.Rules[0].Name);
        Assert.Equal("rule 2", config.Policy.Rules[1].Name);
        Assert.Equal(KillMode.Cgroup, config.Policy.Rules[1].Effect.Kill);
        Assert.Equal(2, config.Policy.Rules[1].Effect.Signal);
        Assert.Equal(TimeSpan.FromSeconds(10), config.Policy.Rules[1].Effect.TermGrace);
        Assert.Equal("test.toml:4", config.Policy.Rules[1].Origin);
    }

    public static TheoryData<string, int, string> BadConfigs => new()
    {
        { "[sytem]\ncombine = \"or\"", 1, "unknown table [sytem]; did you mean [system]?" },
        { "[system]\ncombin = \"or\"", 2, "unknown key 'combin' in [system]; did you mean 'combine'?" },
        { "presett = \"server\"", 1, "unknown key 'presett'" },
        { "preset = \"laptop\"", 1, "unknown preset \"laptop\" (valid: \"none\", \"desktop\", \"server\", \"kubernetes\")" },
        { "selector = \"random\"", 1, "unknown selector" },
        { "[system]\nmem_available_term = \"5%\"\nmem_available_kill = \"10%\"", 3, "mem_available_kill (10%) must not exceed mem_available_term (5%)" },
        { "[system]\nswap_free_kill = \"2GiB\"\nswap_free_term = \"1GiB\"", 2, "swap_free_kill (2GiB) must not exceed swap_free_term (1GiB)" },
        { "[cgroups]\nheadroom_kill = \"6%\"", 2, "headroom_kill (6%) must not exceed headroom_term (5%)" },
        { "[system]\nmem_available_term = \"150%\"", 2, "within 0..100" },
        { "[system]\nmem_available_term = \"-5%\"", 2, "within 0..100" },
        { "[system]\nmem_available_term = \"-1GiB\"", 2, "cannot be negative" },
        { "[system]\nmem_available_term = -5", 2, "cannot be negative" },
        { "[system]\nmem_available_term = \"5GB\"", 2, "decimal units are ambiguous, write GiB" },
        { "[system]\nmem_available_term = \"lots\"", 2, "neither a size" },
        { "[system]\nmem_available_term = true", 2, "must be a size" },
        { "[system]\ncombine = \"xor\"", 2, "'combine' must be \"and\" or \"or\"" },
        { "[monitor]\nmin_interval = \"2s\"\nmax_interval = \"1s\"", 2, "min_interval (2s) must not exceed max_interval (1s)" },
        { "[monitor]\nmin_interval = \"-1ms\"", 2, "cannot be negative" },
        { "[monitor]\nmin_interval = \"0s\"", 2, "greater than zero" },
        { "[monitor]\nmax_interval = 5", 2, "must be a duration string" },
        { "[monitor]\nmax_interval = \"5 parsecs\"", 2, "is not a duration" },
        { "[monitor]\nmax_fill_rate = \"10%\"", 2, "not a percentage" },
        { "[action]\ndry_run = \"yes\"", 2, "'dry_run' must be true or false, not a string" },
        { "[action]\nterm_grace = \"-2s\"", 2, "cannot be negative" },
        { "[cgroups]\ninclude = [\"/batch/[abc\"]", 2, "unclosed '['" },
        { "[rule]\ncomm = \"x\"", 1, "write each rule as [[rule]]" },
        { "[[system]]\ncombine = \"or\"", 1, "[[system]] must be a single table" },
        { "[[rule]]\ncomm = \"make\"", 1, "at least one effect key" },
        { "[[rule]]\npriority = 3", 1, "at least one match key" },
        { "[[rule]]\nname = \"x\"\ncomm = \"sshd\"\nprotect = true\npriority = 5", 5, "'priority' conflicts with protect = true" },
        { "[[rule]]\ncomm = \"sshd\"\nprotect = true\nkill = \"cgroup\"", 4, "'kill' conflicts with protect = true" },
        { "[[rule]]\ncmdline = \"(unclosed\"\npriority = 1", 2, "'cmdline' regex \"(unclosed\" is invalid" },
        { "[[rule]]\ncmdline = \"(a)\\\\1\"\npriority = 1", 2, "'cmdline' regex" },
        { "[[rule]]\ncgroup = \"batch/*\"\npriority = 1", 2, "must start with '/'" },
        { "[[rule]]\ncgroup = \"/batch/[x\"\npriority = 1", 2, "unclosed '['" },
        { "[[rule]]\ncomm = \"a-very-long-process-name\"\npriority = 1", 2, "can never match" },
        { "[[rule]]\ncomm = \"make\"\nkill = \"everything\"", 3, "'kill' must be \"process\" or \"cgroup\"" },
        { "[[rule]]\ncomm = \"make\"\nsignal = \"SIGFOO\"", 3, "is not a signal" },
        { "[[rule]]\ncomm = \"make\"\nsignal = 99", 3, "is not a signal" },
        { "[[rule]]\ncomm = \"make\"\npriority = \"high\"", 3, "'priority' must be an integer, not a string" },
        { "[[rule]]\ncomm = \"make\"\npriority = 99999999999", 3, "out of range" },
        { "[[rule]]\ncomm = 5\npriority = 1", 2, "must be a string or a list of strings" },
        { "[[rule]]\ncomm = []\npriority = 1", 2, "empty list" },
        { "[[rule]]\ncomm = \"make\"\npriorty = 1", 3, "unknown key 'priorty' in [[rule]]; did you mean 'priority'?" },
        { "[[rule]]\ncomm = \"make\"\nterm_grace = \"soon\"", 3, "is not a duration" },
        { "[[rule]]\nuser = \"-3\"\npriority = 1", 2, "neither a user name nor a uid" },
        { "[[rules]]\ncomm = \"x\"\npriority = 1", 1, "unknown table [[rules]]; did you mean [[rule]]?" },
        { "[system]\ncombine = \"or\"\ncombine = \"and\"", 3, "" },
        { "preset = ", 1, "" },
        { "[system]\ncombine = \"or\"\n[system]\nswap_free_kill = \"1%\"", 3, "" },
        { "[[rule]]\nmatch = { comm = \"x\" }\npriority = 1", 2, "unknown key 'match' in [[rule]]" },
        { "[rule.match]\ncomm = \"x\"", 1, "unknown table [rule.match]" },
        { "[system]\nmem.available = \"5%\"", 2, "unknown table [system.mem]" },
        { "[monitor]\nmin_interval = \"1ms\"\n[monitor.extra]\nx = 1", 3, "unknown table [monitor.extra]" },
    };

    [Theory]
    [MemberData(nameof(BadConfigs))]
    public void RejectsWithLineAndReason(string text, int line, string reason)
    {
        var errors = Fail(text);
        Assert.Contains(errors, e => e.Line == line && e.Message.Contains(reason, StringComparison.Ordinal) && e.Path == "test.toml");
    }

    [Fact]
    public void CollectsAllErrorsNotJustTheFirst()
    {
        var errors = Fail("""
            presett = 1
            [system]
            combine = "xor"
            [[rule]]
            comm = "make"
            priority = "high"
            """);
        Assert.Equal([1, 3, 6], errors.Select(e => e.Line));
    }

    [Fact]
    public void ErrorsFormatAsFileLineColumn()
    {
        var errors = Fail("[system]\n  combine = \"xor\"");
        Assert.Equal("test.toml:2:3: 'combine' must be \"and\" or \"or\", not \"xor\"", errors[0].ToString());
    }

    [Fact]
    public void MissingFileIsAnErrorNotAnException()
    {
        var result = ConfigLoader.LoadFile("/nonexistent/oomwarden.toml");
        Assert.False(result.Success);
        Assert.Contains("cannot read", result.Errors[0].Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("desktop")]
    [InlineData("server")]
    [InlineData("kubernetes")]
    public void PresetsCompile(string preset)
    {
        var config = Ok($"preset = \"{preset}\"");
        Assert.NotEmpty(config.Policy.Rules);
        Assert.All(config.Policy.Rules, r => Assert.StartsWith(preset + "/", r.Name, StringComparison.Ordinal));
    }

    [Fact]
    public void DefaultIsTheBuiltInConfig()
    {
        var config = ConfigLoader.Default();
        Assert.Same(DaemonSettings.Default, config.Settings);
        Assert.Empty(config.Policy.Rules);
    }
}
