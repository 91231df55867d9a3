using OomWarden.Core.Decisions;
using OomWarden.Core.Model;
using OomWarden.Daemon;
using OomWarden.Linux;
using OomWarden.Linux.Actions;

namespace OomWarden.Commands;

/// <summary>The last step of <c>run</c>'s start-up: leave resident (and locked) what the daemon needs, not what
/// starting it needed. See docs/DESIGN.md, "Idle footprint".</summary>
internal static class StartupFootprint
{
    /// <summary>Trims the start-up pages (the executable's out of the page cache too), rehearses the path from a
    /// crossing to the signal so that its code is resident and locked again, collects and decommits the
    /// start-up garbage, then reads the executable back into the page cache. Returns warnings.</summary>
    public static IEnumerable<string> Settle(HostPaths paths, LiveHost host, IVictimSelector selector)
    {
        // Another root is a test or a container view: its self/smaps and self/exe are not this process's.
        var trim = paths.IsDefault ? StartupTrim.Apply(paths.Proc("self/smaps"), paths.Proc("self/exe")) : default;
        if (trim.Warning is { } warning) yield return warning;
        Rehearse(host, selector);
        // Compacts what start-up left (the loader's garbage), gives the free space back, and runs the GC's own
        // code once after the trim, so a collection under pressure does not fault it in.
        GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        // The working set is mapped (and locked) again: the rest of the executable goes back to the page cache,
        // so a path not rehearsed (the journal's kill record, SIGKILL) faults from memory, not from the disk.
        if (Environment.GetEnvironmentVariable("OOMWARDEN_EXP_NOREFILL") is null) StartupTrim.Refill(trim);
    }

    /// <summary>After the start-up settle: begins the trim of the read-only file pages that fault-around mapped
    /// and that neither a second rehearsal nor the idle loop will touch (<see cref="WorkingSetTrim"/>). Returns what
    /// the loop runs once it has been idle for <see cref="WorkingSetWindow"/> (null when there is nothing to do);
    /// that gives one line to <paramref name="log"/>.</summary>
    public static Action? BeginWorkingSetTrim(HostPaths paths, LiveHost host, IVictimSelector selector, Action<string> log)
    {
        var data = DataSectionRemap.Current;
        if (data.Applied)
            log($"data section: {data.LengthBytes / 1024} KiB file-backed (an unnamed file in {data.Directory}, {data.Elapsed.TotalMilliseconds:F1} ms); the pages not read are given back with the working set");
        else if (data.Warning is { } dataWarning)
            log(dataWarning);
        if (!paths.IsDefault || Environment.GetEnvironmentVariable(NoTrimVariable) is not null) return null;
        var trim = WorkingSetTrim.Begin(paths.Proc("self/smaps"), paths.Proc("self/clear_refs"), out string? warning);
        if (warning is not null) log("warning: " + warning);
        if (trim is null) return null;
        // The accessed bits are clear: what a crossing and a collection use is marked again, so that it stays.
        Rehearse(host, selector);
        GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        string smaps = paths.Proc("self/smaps");
        return () =>
        {
            var cpu0 = Environment.CpuUsage.TotalTime;
            long t0 = System.Diagnostics.Stopwatch.GetTimestamp();
            var (droppedKib, finishWarning) = trim.Finish(smaps);
            var wall = System.Diagnostics.Stopwatch.GetElapsedTime(t0);
            var cpu = Environment.CpuUsage.TotalTime - cpu0;
            log(finishWarning is null
                ? $"working set: {droppedKib} KiB of read-only pages unused since start given back ({trim.Pages} pages checked, {wall.TotalMilliseconds:F1} ms, CPU {cpu.TotalMilliseconds:F1} ms)"
                : "warning: " + finishWarning);
        };
    }

    /// <summary>Set (to anything), the daemon keeps its working set as start-up left it: the switch that
    /// bench/footprint/idle.py runs compare against (docs/DESIGN.md, "The working set by the accessed bit").</summary>
    public const string NoTrimVariable = "OOMWARDEN_NO_WORKING_SET_TRIM";

    /// <summary>How long the daemon runs before <see cref="BeginWorkingSetTrim"/>'s task drops what it did not use:
    /// a few ticks of the loop. The loop re-lists the cgroup tree just before (the 30 s re-listing's code counts
    /// as used); both are start-up work, not idle work.</summary>
    public static readonly TimeSpan WorkingSetWindow = TimeSpan.FromSeconds(1);

    /// <summary>What a crossing runs before the signal, once, harmlessly: a victim search over the whole
    /// machine (nothing is done with the result) and a verified pidfd on the daemon itself, signalled with 0
    /// (no signal is sent: the kernel only checks that it could be).</summary>
    private static void Rehearse(LiveHost host, IVictimSelector selector)
    {
        selector.Select(host.OpenDomain(Domain.System));
        int self = Environment.ProcessId;
        if (!host.TryReadStartTime(self, out ulong start)) return;
        using var pidfd = new ProcessKiller(host.TryReadStartTime).OpenVerified(self, start);
        pidfd?.TrySignal(0, out _);
    }
}
