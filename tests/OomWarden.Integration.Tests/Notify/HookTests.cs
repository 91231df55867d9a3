using System.Diagnostics;
using System.Text.Json;
using OomWarden.Core.Engine;
using OomWarden.Core.Settings;
using OomWarden.Integration.Tests.Infrastructure;
using OomWarden.Notify;

namespace OomWarden.Integration.Tests.Notify;

/// <summary>[notify] hooks with real programs: the event's JSON on stdin and OOMWARDEN_* in the environment, a hanging
/// hook's whole process group killed at its timeout, and Publish (the loop's call) never waiting for a hook.</summary>
public sealed class HookTests : IDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);
    private readonly string _dir = TestHelpers.NewTempDirectory("oomwarden-hooks");
    private readonly List<string> _log = [];

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Script(string name, string body)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllText(path, "#!/bin/sh\n" + body);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }

    private void Log(string line)
    {
        lock (_log) _log.Add(line);
    }

    private string LogText()
    {
        lock (_log) return string.Join('\n', _log);
    }

    [Fact]
    public void LevelHookGetsJsonOnStdinAndEnvironment()
    {
        string output = Path.Combine(_dir, "out");
        string hook = Script("level.sh", $"cat > {output}.json\nenv | grep '^OOMWARDEN_' | sort > {output}.env\necho hello from the hook\nmv {output}.json {output}.done\n");
        using var sink = new HookSink([new HookSettings { Argv = [hook, "--flag"], On = ["level"] }], dryRun: false, Log);
        sink.Publish(LowMemoryMonitorTests.Change(WarningLevel.Low, WarningLevel.Medium));
        Assert.True(SpinWait.SpinUntil(() => File.Exists(output + ".done") && LogText().Contains("exit 0"), Wait), LogText());
        using var json = JsonDocument.Parse(File.ReadAllText(output + ".done"));
        Assert.Equal("level", json.RootElement.GetProperty("event").GetString());
        Assert.Equal("system", json.RootElement.GetProperty("domain").GetString());
        Assert.Equal("medium", json.RootElement.GetProperty("level").GetString());
        Assert.Equal("low", json.RootElement.GetProperty("previous").GetString());
        Assert.Equal(1L << 30, json.RootElement.GetProperty("available_bytes").GetInt64());
        string env = File.ReadAllText(output + ".env");
        Assert.Contains("OOMWARDEN_EVENT=level\n", env);
        Assert.Contains("OOMWARDEN_LEVEL=medium\n", env);
        Assert.Contains("OOMWARDEN_PREVIOUS_LEVEL=low\n", env);
        Assert.Contains("OOMWARDEN_DOMAIN=system\n", env);
        Assert.Contains("OOMWARDEN_AVAILABLE_BYTES=1073741824\n", env);
        Assert.Contains("hello from the hook", LogText());
        // A kill is not a level: this hook is not run for it.
        var counters = new List<CounterSample>();
        sink.Collect(counters);
        Assert.Equal(1, counters.Single(c => c.Name == "oomwarden_hook_runs_total").Value);
    }

    [Fact]
    public void HangingHookIsKilledWithItsProcessGroupAtTheTimeout()
    {
        string pids = Path.Combine(_dir, "pids");
        // The hook and a grandchild both hang; the grandchild must die too (the group is killed).
        string hook = Script("hang.sh", $"sleep 300 &\necho $$ $! > {pids}\nwait\n");
        using var sink = new HookSink([new HookSettings { Argv = [hook], On = ["level"], Timeout = TimeSpan.FromMilliseconds(500) }], dryRun: false, Log);
        sink.Publish(LowMemoryMonitorTests.Change(WarningLevel.None, WarningLevel.Low));
        Assert.True(SpinWait.SpinUntil(() => LogText().Contains("timed out after 0.5s"), Wait), LogText());
        var ids = File.ReadAllText(pids).Split(' ', StringSplitOptions.TrimEntries).Select(int.Parse).ToArray();
        Assert.True(SpinWait.SpinUntil(() => ids.All(p => !Alive(p)), Wait), "the hook's group survived its timeout: " + string.Join(' ', ids.Where(Alive)));
        var counters = new List<CounterSample>();
        sink.Collect(counters);
        Assert.Equal(1, counters.Single(c => c.Name == "oomwarden_hook_timeouts_total").Value);
    }

    [Fact]
    public void PublishNeverWaitsForAHookAndAFullQueueIsCounted()
    {
        string gate = Path.Combine(_dir, "gate");
        string hook = Script("slow.sh", $"while [ ! -e {gate} ]; do sleep 0.05; done\n");
        using var sink = new HookSink([new HookSettings { Argv = [hook], On = ["level"], Timeout = TimeSpan.FromSeconds(60) }], dryRun: false, Log);
        // 100 events while the first run blocks: every Publish returns (the loop would carry on); the queue keeps 16.
        for (int i = 0; i < 100; i++) sink.Publish(LowMemoryMonitorTests.Change(WarningLevel.None, WarningLevel.Low));
        var counters = new List<CounterSample>();
        sink.Collect(counters);
        long dropped = counters.Single(c => c.Name == "oomwarden_hook_dropped_total").Value;
        Assert.InRange(dropped, 100 - 17, 100 - 16);
        File.WriteAllText(gate, "");
        Assert.True(SpinWait.SpinUntil(() =>
        {
            var c = new List<CounterSample>();
            sink.Collect(c);
            return c.Single(x => x.Name == "oomwarden_hook_runs_total").Value == 100 - dropped;
        }, TimeSpan.FromSeconds(60)), LogText());
    }

    [Fact]
    public void AMissingProgramIsLoggedNotThrown()
    {
        using var sink = new HookSink([new HookSettings { Argv = [Path.Combine(_dir, "gone")], On = ["level"] }], dryRun: false, Log);
        sink.Publish(LowMemoryMonitorTests.Change(WarningLevel.None, WarningLevel.Low));
        Assert.True(SpinWait.SpinUntil(() => LogText().Contains("not started: ENOENT"), Wait), LogText());
    }

    private static bool Alive(int pid) => ProcStat.State(pid) is not ('?' or 'Z');
}
