using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using OomWarden.Integration.Tests.Infrastructure;

namespace OomWarden.Integration.Tests.Daemon;

/// <summary>The real daemon's [notify] sockets with real clients (tests/helpers/*.py) living in a v1 memory cgroup
/// of this host: the daemon watches only that cgroup (system domain off) and runs --dry-run, with levels loose
/// enough that a small hog in the cgroup reaches medium. An own-socket client gets its current level, then
/// <c>level</c> events; a pressure-protocol client written from systemd's PRESSURE.md wakes; a subscriber holding
/// memory is asked to release it and the journal's <c>release</c> record shows what oomwarden measured; a client that
/// never reads does not keep the others from hearing.</summary>
public sealed class NotifySocketTests
{
    private const long Limit = 256L << 20;

    private sealed class Client : IDisposable
    {
        public Process Process { get; }
        public BlockingCollection<string> Lines { get; } = new();
        public ConcurrentQueue<string> All { get; } = new();

        public Client(Process p)
        {
            Process = p;
            var t = new Thread(() =>
            {
                string? line;
                while ((line = p.StandardOutput.ReadLine()) is not null)
                {
                    All.Enqueue(line);
                    Lines.Add(line);
                }
                Lines.CompleteAdding();
            }) { IsBackground = true };
            t.Start();
        }

        /// <summary>The first line (from now on) that matches, or null after <paramref name="timeout"/>.</summary>
        public string? WaitFor(Func<string, bool> match, TimeSpan timeout)
        {
            var sw = Stopwatch.StartNew();
            while (sw.Elapsed < timeout)
            {
                if (!Lines.TryTake(out var line, TimeSpan.FromMilliseconds(100))) continue;
                if (match(line)) return line;
            }
            return null;
        }

        public string Output => string.Join('\n', All) + "\n(stderr) " + (Process.HasExited ? Process.StandardError.ReadToEnd() : "");

        public void Dispose()
        {
            try { if (!Process.HasExited) Process.Kill(); } catch (InvalidOperationException) { }
        }
    }

    /// <summary>Debian's python3 (scripts/deps.sh installs it): exec'ed directly, so the client's pid is the one the
    /// test started (a wrapper such as pyenv's shim might fork).</summary>
    private static string Python3 => File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";

    private static string Helper(string name) => Path.Combine(Repo.Root, "tests", "helpers", name);

    private static Client Python(V1MemoryCgroup cg, string script, IReadOnlyDictionary<string, string>? env, params string[] args)
    {
        var list = new List<string> { "-u", Helper(script) };
        list.AddRange(args);
        Process p;
        if (env is null) p = cg.Start(Python3, [.. list]);
        else
        {
            // The environment goes through env(1): the cgroup's start shell execs it.
            var withEnv = new List<string>(env.Select(kv => kv.Key + "=" + kv.Value)) { Python3 };
            withEnv.AddRange(list);
            p = cg.Start("/usr/bin/env", [.. withEnv]);
        }
        var c = new Client(p);
        Assert.True(c.WaitFor(l => l == "CONNECTED", TimeSpan.FromSeconds(60)) is not null, script + " did not connect:\n" + c.Output);
        return c;
    }

    [Fact]
    public void Subscribers_hear_levels_wake_on_pressure_and_release_memory_that_oomwarden_measures()
    {
        V1MemoryCgroup.Require();
        Repo.RequireBinary();
        using var cg = V1MemoryCgroup.Create("oomwarden-notify", Limit);
        string dir = TestHelpers.NewTempDirectory("oomwarden-it");
        string socket = Path.Combine(dir, "run", "events.sock");
        string pressure = Path.Combine(dir, "run", "pressure.sock");
        string events = Path.Combine(dir, "events.jsonl");
        string config = new ConfinedConfig(dir, cg.Path)
        {
            Action = "dry_run = true",
            Tables = $$"""
                [levels]
                low = { available = "75%" }
                medium = { available = "55%" }
                critical = { available = "10%" }
                hold = "2s"
                release_grace = "1500ms"
                [notify]
                socket = "{{socket}}"
                pressure_socket = "{{pressure}}"
                """,
        }.Write();
        DaemonProcess? daemon = null;
        var clients = new List<Client>();
        try
        {
            daemon = DaemonProcess.Start("run", "--config", config);
            Assert.True(File.Exists(socket), daemon.Log);
            var listener = Python(cg, "notify_client.py", null, socket);
            clients.Add(listener);
            string? current = listener.WaitFor(l => l.Contains("\"current\":true", StringComparison.Ordinal), TimeSpan.FromSeconds(60));
            Assert.True(current is not null, "no current level on connect:\n" + listener.Output + "\n" + daemon.Log);
            using (var doc = JsonDocument.Parse(current!))
            {
                Assert.Equal("level", doc.RootElement.GetProperty("event").GetString());
                Assert.Equal(cg.Path, doc.RootElement.GetProperty("domain").GetString());
                Assert.Equal("none", doc.RootElement.GetProperty("level").GetString());
            }
            var silent = Python(cg, "notify_client.py", null, socket, "--no-read");
            clients.Add(silent);
            var waker = Python(cg, "pressure_client.py", new Dictionary<string, string> { ["MEMORY_PRESSURE_WATCH"] = pressure }, []);
            clients.Add(waker);
            var holder = Python(cg, "notify_client.py", null, socket, "--hold", "90");
            clients.Add(holder);

            // 90 MiB held + 50 MiB of hog + the clients themselves: well under 55 % of the limit left.
            var hog = cg.Start(TestHelpers.Hog, "-s", "50", "-L", "60");
            Assert.StartsWith("READY", hog.StandardOutput.ReadLine());

            string? medium = listener.WaitFor(l => l.Contains("\"level\":\"medium\"", StringComparison.Ordinal), TimeSpan.FromSeconds(60));
            Assert.True(medium is not null, "the listener heard no medium:\n" + listener.Output + "\n" + daemon.Log);
            Assert.True(waker.WaitFor(l => l == "WAKE", TimeSpan.FromSeconds(60)) is not null, "the pressure client did not wake:\n" + waker.Output + "\n" + daemon.Log);
            string? release = holder.WaitFor(l => l.Contains("\"event\":\"release\"", StringComparison.Ordinal), TimeSpan.FromSeconds(60));
            Assert.True(release is not null, "the holder was not asked to release:\n" + holder.Output + "\n" + daemon.Log);
            using (var doc = JsonDocument.Parse(release!))
            {
                Assert.Equal(cg.Path, doc.RootElement.GetProperty("domain").GetString());
                Assert.Equal(1500, doc.RootElement.GetProperty("deadline_ms").GetInt64());
                Assert.True(doc.RootElement.GetProperty("target_bytes").GetInt64() > 0);
            }

            JsonElement? record = null;
            var sw = Stopwatch.StartNew();
            while (record is null && sw.Elapsed < TimeSpan.FromSeconds(60))
            {
                Thread.Sleep(100);
                record = EventLog.Read(events).Cast<JsonElement?>().FirstOrDefault(e => e!.Value.GetProperty("event").GetString() == "release");
            }
            Assert.True(record is not null, "no release record:\n" + daemon.Log);
            Assert.True(record!.Value.GetProperty("pid").GetInt32() == holder.Process.Id,
                $"asked {record.Value.GetProperty("pid").GetInt32()}, not the holder {holder.Process.Id} (listener {listener.Process.Id}, silent {silent.Process.Id}):\n{daemon.Log}");
            var r = record!.Value;
            Assert.Equal(holder.Process.Id, r.GetProperty("pid").GetInt32());
            Assert.Equal(cg.Path, r.GetProperty("domain").GetString());
            Assert.Equal(cg.Path, r.GetProperty("cgroup").GetString());
            Assert.True(r.GetProperty("requested_bytes").GetInt64() > 0, r.ToString());
            // Measured, not believed: the 90 MiB it held are gone from its footprint.
            Assert.InRange(r.GetProperty("freed_bytes").GetInt64(), 80L << 20, 200L << 20);
            Assert.Equal("answered", r.GetProperty("result").GetString());

            // Every change went to the journal, and the silent client held nobody up.
            Assert.Contains(EventLog.Read(events), e => e.GetProperty("event").GetString() == "level" && e.GetProperty("level").GetString() == "medium");
            Assert.False(silent.Process.HasExited);
            Assert.Equal(0, cg.KernelOomKills());
            daemon.Stop(TimeSpan.FromSeconds(5));
            Assert.Contains("warning level", daemon.Log);
            Assert.False(File.Exists(socket), "the socket was left behind");
        }
        finally
        {
            foreach (var c in clients) c.Dispose();
            daemon?.Dispose();
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void A_socket_path_that_is_not_a_socket_stops_the_start_and_is_left_alone()
    {
        Repo.RequireBinary();
        string dir = TestHelpers.NewTempDirectory("oomwarden-it");
        try
        {
            string planted = Path.Combine(dir, "events.sock");
            File.WriteAllText(planted, "precious");
            string config = new ConfinedConfig(dir, "/oomwarden-no-such-cgroup")
            {
                Action = "dry_run = true",
                Tables = $"[notify]\nsocket = \"{planted}\"",
            }.Write();
            var r = Sh.Run(Repo.Binary, ["run", "--config", config], TimeSpan.FromSeconds(60));
            Assert.NotEqual(0, r.ExitCode);
            Assert.Contains("exists and is not a socket: not removed", r.Stderr);
            Assert.Equal("precious", File.ReadAllText(planted));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
