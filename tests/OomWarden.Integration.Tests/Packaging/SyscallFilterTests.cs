using System.Diagnostics;
using System.Text.RegularExpressions;
using OomWarden.Integration.Tests.Infrastructure;

namespace OomWarden.Integration.Tests.Packaging;

/// <summary>The unit's SystemCallFilter= and MemoryDenyWriteExecute= against what the daemon really does: a dry run
/// of the NativeAOT binary traced by strace for a few seconds (start-up, ticks, wake-ups, stop). Every system call it
/// made must be allowed by the unit, and no mapping may be writable and executable. The kill path (pidfd_open,
/// pidfd_send_signal, process_mrelease, cgroup writes) is not exercised here: the filter's groups are checked for it
/// by name.</summary>
public sealed partial class SyscallFilterTests
{
    private static readonly TimeSpan Slow = TimeSpan.FromMinutes(2);

    [GeneratedRegex(@"^(?:\d+\s+)?([a-z_0-9]+)\(", RegexOptions.Multiline)]
    private static partial Regex SyscallName();

    /// <summary>A systemd syscall group expanded to names (nested groups too).</summary>
    private static HashSet<string> Expand(string group)
    {
        var names = new HashSet<string>();
        var r = Sh.Run("systemd-analyze", ["syscall-filter", group], Slow);
        Assert.True(r.ExitCode == 0, r.Stderr);
        foreach (var raw in r.Stdout.Split('\n'))
        {
            if (!raw.StartsWith("    ", StringComparison.Ordinal)) continue;
            string item = raw.Trim();
            if (item.Length == 0 || item.StartsWith('#')) continue;
            if (item.StartsWith('@')) names.UnionWith(Expand(item));
            else names.Add(item);
        }
        return names;
    }

    private static (HashSet<string> Allowed, HashSet<string> Denied) UnitFilter()
    {
        var allowed = new HashSet<string>();
        var denied = new HashSet<string>();
        foreach (var line in File.ReadAllLines(Path.Combine(Repo.Root, "deploy", "oomwarden.service")))
        {
            if (!line.StartsWith("SystemCallFilter=", StringComparison.Ordinal)) continue;
            string value = line["SystemCallFilter=".Length..];
            bool deny = value.StartsWith('~');
            foreach (var item in value.TrimStart('~').Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                var set = item.StartsWith('@') ? Expand(item) : [item];
                (deny ? denied : allowed).UnionWith(set);
            }
        }
        return (allowed, denied);
    }

    [Fact]
    public async Task Every_system_call_of_a_dry_run_is_allowed_by_the_unit_and_nothing_is_writable_and_executable()
    {
        Repo.RequireBinary();
        if (!File.Exists("/usr/bin/strace")) Assert.Skip("strace is missing (scripts/deps.sh installs it)");
        if (!File.Exists("/usr/bin/systemd-analyze")) Assert.Skip("systemd-analyze is missing (scripts/deps.sh installs systemd)");
        var (allowed, denied) = UnitFilter();
        Assert.Contains("process_mrelease", allowed);
        foreach (var needed in (string[])["pidfd_open", "pidfd_send_signal", "kill", "mlockall", "epoll_wait", "inotify_add_watch", "eventfd2"])
            Assert.True(allowed.Contains(needed) && !denied.Contains(needed), needed + " is not allowed by the unit");

        string dir = Path.Combine(Path.GetTempPath(), "oomwarden-strace-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        try
        {
            string trace = Path.Combine(dir, "trace");
            var psi = new ProcessStartInfo("strace", ["-f", "-qq", "-o", trace, Repo.Binary, "run", "--dry-run", "--config", ConfinedConfig.WriteControlOnly(dir),
                "--events", Path.Combine(dir, "events.jsonl")])
            {
                RedirectStandardError = true,
                RedirectStandardOutput = true,
            };
            using var strace = Process.Start(psi)!;
            var stderr = strace.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
            // Until the traced daemon says "watching" (seconds under strace on a loaded host), then a few ticks of its loop.
            var started = Stopwatch.StartNew();
            while (started.Elapsed < TimeSpan.FromSeconds(60) && !(File.Exists(trace) && File.ReadAllText(trace).Contains("oomwarden: watching", StringComparison.Ordinal)))
                await Task.Delay(TimeSpan.FromMilliseconds(200), TestContext.Current.CancellationToken);
            await Task.Delay(TimeSpan.FromSeconds(2), TestContext.Current.CancellationToken);
            // The daemon is strace's child: stop it as systemd would, with SIGTERM.
            string children = File.ReadAllText($"/proc/{strace.Id}/task/{strace.Id}/children").Trim();
            Assert.True(int.TryParse(children.Split(' ')[0], out int daemon), "no traced daemon: " + children);
            Assert.Equal(0, Sh.Run("kill", ["-TERM", daemon.ToString(System.Globalization.CultureInfo.InvariantCulture)], Slow).ExitCode);
            Assert.True(strace.WaitForExit(Slow), "the traced daemon did not stop on SIGTERM");
            Assert.Contains("oomwarden: watching", await stderr);

            string text = File.ReadAllText(trace);
            var used = SyscallName().Matches(text).Select(m => m.Groups[1].Value).ToHashSet();
            Assert.Contains("epoll_wait", used);
            var refused = used.Where(s => !allowed.Contains(s) || denied.Contains(s)).Order().ToList();
            Assert.True(refused.Count == 0, "the unit's SystemCallFilter= refuses: " + string.Join(", ", refused));
            var writableExecutable = text.Split('\n').Where(l => l.Contains("PROT_WRITE|PROT_EXEC", StringComparison.Ordinal)
                || (l.Contains("mprotect(", StringComparison.Ordinal) && l.Contains("PROT_EXEC", StringComparison.Ordinal))).ToList();
            Assert.True(writableExecutable.Count == 0, "MemoryDenyWriteExecute=yes would refuse: " + string.Join("\n", writableExecutable.Take(3)));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>The allow list systemd builds from the SystemCallFilter= lines of the unit and then its drop-ins, in
    /// order: the first line is an allow list, a later <c>~</c> line removes from it, a later plain line adds to it.</summary>
    private static HashSet<string> EffectiveAllowList(params string[] files)
    {
        var allowed = new HashSet<string>();
        foreach (var file in files)
        {
            foreach (var line in File.ReadAllLines(file))
            {
                if (!line.StartsWith("SystemCallFilter=", StringComparison.Ordinal)) continue;
                string value = line["SystemCallFilter=".Length..];
                bool deny = value.StartsWith('~');
                foreach (var item in value.TrimStart('~').Split(' ', StringSplitOptions.RemoveEmptyEntries))
                {
                    var set = item.StartsWith('@') ? Expand(item) : [item];
                    if (deny) allowed.ExceptWith(set);
                    else allowed.UnionWith(set);
                }
            }
        }
        return allowed;
    }

    /// <summary>[notify] desktop: `oomwarden notify-desktop` as the daemon runs it (root, dropping to nobody) against
    /// nobody's private session bus, traced by strace. The unit alone refuses its set*id calls; with
    /// deploy/oomwarden.service.d/desktop.conf every system call it made is allowed.</summary>
    [Fact]
    public void Every_system_call_of_notify_desktop_is_allowed_by_the_unit_with_the_desktop_drop_in()
    {
        Repo.RequireBinary();
        if (!File.Exists("/usr/bin/strace")) Assert.Skip("strace is missing (scripts/deps.sh installs it)");
        if (!File.Exists("/usr/bin/systemd-analyze")) Assert.Skip("systemd-analyze is missing (scripts/deps.sh installs systemd)");
        string unit = Path.Combine(Repo.Root, "deploy", "oomwarden.service");
        var alone = EffectiveAllowList(unit);
        var withDropIn = EffectiveAllowList(unit, Path.Combine(Repo.Root, "deploy", "oomwarden.service.d", "desktop.conf"));

        string dir = Path.Combine(Path.GetTempPath(), "oomwarden-strace-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        try
        {
            string runtimeRoot = Path.Combine(dir, "run-user");
            Directory.CreateDirectory(runtimeRoot);
            var (bus, server) = Notify.DesktopNotifyTests.StartSession(runtimeRoot);
            using var _b = bus;
            using var _s = server;
            string trace = Path.Combine(dir, "trace");
            string id = Notify.DesktopNotifyTests.Nobody.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var run = Sh.Run("strace", ["-f", "-qq", "-o", trace, Repo.Binary, "notify-desktop", "--uid", id, "--gid", id, "--bus", bus.SocketPath,
                "--summary", "Out of memory: stopped hog (pid 1)", "--body", "traced"], Slow);
            Assert.True(run.ExitCode == 0, "notify-desktop failed: " + run.Stdout + run.Stderr + server.Stderr);
            Assert.Contains("traced", server.NextLine(TimeSpan.FromSeconds(30)) ?? "");

            var used = SyscallName().Matches(File.ReadAllText(trace)).Select(m => m.Groups[1].Value).ToHashSet();
            Assert.Contains("setresuid", used);
            Assert.Contains("connect", used);
            var refusedAlone = used.Where(s => !alone.Contains(s)).Order().ToList();
            Assert.Contains("setresuid", refusedAlone); // the drop-in is needed
            var refused = used.Where(s => !withDropIn.Contains(s)).Order().ToList();
            Assert.True(refused.Count == 0, "the unit with desktop.conf refuses: " + string.Join(", ", refused));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
