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
            var psi = new ProcessStartInfo("strace", ["-f", "-qq", "-o", trace, Repo.Binary, "run", "--dry-run", "--events", Path.Combine(dir, "events.jsonl")])
            {
                RedirectStandardError = true,
                RedirectStandardOutput = true,
            };
            using var strace = Process.Start(psi)!;
            var stderr = strace.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
            await Task.Delay(TimeSpan.FromSeconds(4), TestContext.Current.CancellationToken);
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
}
