using System.Globalization;

namespace OomWarden.Integration.Tests.Infrastructure;

/// <summary>Runs a shell script inside ../shared/vmlab's cgroup v2 guest (Debian 6.1 kernel). The guest sees
/// the host's files read-only; the script writes its results into a shared directory the test reads.</summary>
public static class VmLab
{
    public static void Require()
    {
        if (!File.Exists(Repo.VmRun)) Assert.Skip($"vmlab is missing: {Repo.VmRun} (shared/ must sit beside the repo)");
        if (!Sh.IsRoot) Assert.Skip("vmlab needs root");
    }

    /// <summary>On every guest's kernel command line. The boot-time check that the timer interrupt reaches the IO-APIC
    /// counts ticks against a busy loop: on a loaded host a TCG vCPU loses that race and the kernel panics ("IO-APIC +
    /// timer doesn't work!", seen at a host load of 87). It checks the emulated board, nothing a test relies on.</summary>
    private const string BootArgs = "no_timer_check";

    /// <summary>Runs <paramref name="script"/> (sh) in a fresh guest with <paramref name="shareDir"/> writable. A guest
    /// that fails before the script starts (vm-run's 125: boot panic, qemu failure) is booted once more.</summary>
    public static Sh.Result Run(string shareDir, string script, TimeSpan timeout, int memMiB = 1024, string? kernelArgs = null)
    {
        Require();
        string scriptPath = Path.Combine(shareDir, "guest.sh");
        string started = Path.Combine(shareDir, "guest.started");
        File.WriteAllText(scriptPath, $"set -u\n: > {started}\n" + script);
        var args = new List<string>
        {
            "-t", ((int)timeout.TotalSeconds).ToString(CultureInfo.InvariantCulture),
            "-m", memMiB.ToString(CultureInfo.InvariantCulture),
            "-s", shareDir,
            "-K", BootArgs,
        };
        if (kernelArgs is not null) args.AddRange(["-K", kernelArgs]);
        args.AddRange(["--", "/bin/sh", scriptPath]);
        var r = Sh.Run(Repo.VmRun, args, timeout + TimeSpan.FromSeconds(60));
        if (r.ExitCode == 125 && !File.Exists(started))
        {
            string first = r.Stderr;
            r = Sh.Run(Repo.VmRun, args, timeout + TimeSpan.FromSeconds(60));
            if (r.ExitCode == 125) throw new InvalidOperationException($"vm-run failed twice:\n{first}\n--- again:\n{r.Stderr}");
        }
        if (r.ExitCode == 125) throw new InvalidOperationException("vm-run failed:\n" + r.Stderr);
        return r;
    }

    /// <summary>The VM's limit for a test that boots, starts the daemon and waits for kills: generous, since a TCG
    /// guest on a loaded 2-core host runs many times slower than alone (a passing run still ends when its script does).</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(600);

    /// <summary>hog's -L (seconds) for a process the daemon is expected to kill, or whose survival a test checks: longer
    /// than any wait of a script, so a loaded guest never sees it end by itself (the VM's end stops it anyway).</summary>
    public const int Lifetime = 600;

    /// <summary>Shell snippet: wait up to N seconds for a pattern in a file; says so on stderr when it gives up.</summary>
    public static string WaitFor(string file, string pattern, int seconds) =>
        $"i=0; while ! grep -q '{pattern}' {file} 2>/dev/null; do i=$((i+1)); [ $i -gt {seconds * 10} ] && {{ echo \"vmlab: no \"'{pattern}'\" in {file} after {seconds} s\" >&2; break; }}; sleep 0.1; done\n";

    /// <summary>Shell snippet: writes "alive" to <paramref name="file"/> when the process <paramref name="pid"/> (a
    /// child of the script, "$K") still runs, else "dead (exit N)" with its wait status (137: SIGKILL, 143: SIGTERM,
    /// 142: its own lifetime's SIGALRM).</summary>
    public static string AliveOrExit(string pid, string file) =>
        $"if kill -0 {pid} 2>/dev/null; then echo alive > {file}; else wait {pid}; echo \"dead (exit $?)\" > {file}; fi\n";
}
