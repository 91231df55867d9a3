using OomWarden.Core.Decisions;
using OomWarden.Core.Model;
using OomWarden.Core.Policy;
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
        RehearseCrossing(host, selector);
        // The working set is mapped (and locked) again: the rest of the executable goes back to the page cache,
        // so a path not rehearsed (a status request, a reload, the engine's escalation) faults from memory, not from the disk.
        if (Environment.GetEnvironmentVariable("OOMWARDEN_EXP_NOREFILL") is null) StartupTrim.Refill(trim);
    }

    /// <summary>After the start-up settle: the working-set trim's cycle (<see cref="WorkingSetCycle"/>, the loop runs
    /// it: the first begins at the loop's first calm pass, each gives one line to <paramref name="log"/>); null when
    /// the switch is set or the paths are not this process's.</summary>
    public static WorkingSetCycle? WorkingSetTrimCycle(HostPaths paths, EngineHost runner, LiveHost host, Func<IVictimSelector> selector,
        Action<string> log)
    {
        var data = DataSectionRemap.Current;
        if (data.Applied)
            log($"data section: {data.LengthBytes / 1024} KiB file-backed (an unnamed file in {data.Directory}, {data.Elapsed.TotalMilliseconds:F1} ms); the pages not read are given back with the working set");
        else if (data.Warning is { } dataWarning)
            log(dataWarning);
        if (!paths.IsDefault || Environment.GetEnvironmentVariable(NoTrimVariable) is not null) return null;
        var period = WorkingSetCycle.DefaultPeriod;
        if (Environment.GetEnvironmentVariable(PeriodVariable) is { } text)
        {
            if (int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int seconds) && seconds > 0)
                period = TimeSpan.FromSeconds(seconds);
            else log($"warning: {PeriodVariable}={text} is not a number of seconds > 0; the working set is trimmed every {period.TotalMinutes:F0} min");
        }
        var steps = new TrimSteps(paths, runner, host, selector, log);
        var cycle = new WorkingSetCycle(TimeProvider.System, steps, period, firstAfter: TimeSpan.Zero, firstWindow: WorkingSetCycle.StartupWindow);
        steps.Cycle = cycle;
        return cycle;
    }

    /// <summary>Set (to anything), the daemon keeps its working set as start-up left it: the switch that
    /// bench/footprint/idle.py runs compare against (docs/DESIGN.md, "The working set by the accessed bit").</summary>
    public const string NoTrimVariable = "OOMWARDEN_NO_WORKING_SET_TRIM";

    /// <summary>A test and diagnostic knob: the seconds between the end of a working-set trim cycle and the begin of
    /// the next (<see cref="WorkingSetCycle.DefaultPeriod"/>, an hour, when unset).</summary>
    public const string PeriodVariable = "OOMWARDEN_WORKING_SET_PERIOD";

    /// <summary>The daemon's <see cref="IWorkingSetSteps"/>: <see cref="WorkingSetTrim"/> on /proc/self, the rehearsal
    /// inside each window, the loop's re-listing.</summary>
    private sealed class TrimSteps(HostPaths paths, EngineHost runner, LiveHost host, Func<IVictimSelector> selector, Action<string> log)
        : IWorkingSetSteps
    {
        private WorkingSetTrim? _trim;
        private int _warnings;
        private TimeSpan _beginCpu;

        /// <summary>The present pages the last finish kept (null: no finish yet, or pagemap unreadable): a later cycle
        /// looks only at what was mapped again since.</summary>
        private ulong[]? _kept;

        public WorkingSetCycle? Cycle { get; set; }

        public TimeSpan RescanInterval => runner.Settings.Monitor.RescanInterval;

        public long Rescans => runner.Rescans;

        public long Collections => GC.CollectionCount(0);

        public void Rescan() => runner.Rescan();

        public bool Begin()
        {
            var cpu0 = Environment.CpuUsage.TotalTime;
            // A later cycle splits and observes only the pages mapped again since the last finish (a status request,
            // a reload, a kill, the everyday collections faulted them in): none, no window. What the last window kept
            // stays, and with it the path a crossing takes, rehearsed inside the first window: no rehearsal then.
            _trim = WorkingSetTrim.Begin(paths.Proc("self/smaps"), paths.Proc("self/clear_refs"), paths.Proc("self/pagemap"), _kept, out string? warning);
            // The same failure every hour is said once.
            if (warning is not null && _warnings++ == 0) log("warning: " + warning);
            if (_trim is null) return false;
            // The accessed bits are clear: what a crossing and a collection use is marked again, so that it stays.
            if (!_trim.OnlyRegrown) RehearseCrossing(host, selector());
            _beginCpu = Environment.CpuUsage.TotalTime - cpu0;
            return true;
        }

        public void Finish(TimeSpan observed)
        {
            var trim = _trim!;
            _trim = null;
            var cpu0 = Environment.CpuUsage.TotalTime;
            long t0 = System.Diagnostics.Stopwatch.GetTimestamp();
            var outcome = trim.Finish(paths.Proc("self/smaps"), paths.Proc("self/maps"), paths.Proc("self/pagemap"));
            var wall = System.Diagnostics.Stopwatch.GetElapsedTime(t0);
            var cpu = Environment.CpuUsage.TotalTime - cpu0;
            _kept = trim.Kept;
            log(outcome.Warning is null
                ? $"working set: {outcome.DroppedKib} KiB of read-only pages unused for {observed.TotalSeconds:F0} s given back ({trim.Pages} pages checked, "
                    + $"{outcome.SplitMappings} mappings while split, {outcome.MergedMappings} after; {wall.TotalMilliseconds:F1} ms, CPU {cpu.TotalMilliseconds:F1} ms, "
                    + $"{_beginCpu.TotalMilliseconds:F1} ms at the begin{(trim.OnlyRegrown ? "; the pages mapped again since the last trim" : " with the rehearsal")}; "
                    + $"next in {(Cycle?.Period ?? TimeSpan.Zero).TotalMinutes:0.#} min)"
                : "warning: " + outcome.Warning);
        }
    }

    /// <summary>What a crossing runs before the signal, once, harmlessly, then a collection: a victim search over the
    /// whole machine (nothing is done with the result), a verified pidfd on the daemon itself signalled with 0 (the
    /// kernel only checks that it could be; SIGTERM and the SIGKILL escalation take the same path), the journal's
    /// signal and kill records formatted into a buffer that is thrown away (nothing is written), then collections:
    /// generation 0 and 1 (the paths of the daemon's everyday collections) and an aggressive one, which compacts what
    /// start-up left and gives the free space back; so a collection under pressure does not fault the GC's code in.</summary>
    private static void RehearseCrossing(LiveHost host, IVictimSelector selector)
    {
        selector.Select(host.OpenDomain(Domain.System));
        int self = Environment.ProcessId;
        if (host.TryReadStartTime(self, out ulong start))
        {
            using var pidfd = new ProcessKiller(host.TryReadStartTime).OpenVerified(self, start);
            pidfd?.TrySignal(0, out _);
            FormatKillRecords(self, start);
        }
        GC.Collect(0, GCCollectionMode.Forced, blocking: true);
        GC.Collect(1, GCCollectionMode.Forced, blocking: true);
        GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
    }

    private static void FormatKillRecords(int pid, ulong start)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(1024);
        var signal = new KillEvent
        {
            Event = "signal", Time = DateTimeOffset.UtcNow, SignalId = "rehearsal", Pid = pid, StartTimeTicks = start, Comm = "oomwardend",
            Cgroup = "/", Domain = "system", Signal = Signals.Name(15), Reason = "rehearsal", Victim = "process", Rule = "rehearsal",
            Priority = 0, FootprintBytes = 1 << 20, GraceMs = 2000, DecisionMs = 0.25,
        };
        var kill = signal with { Event = "kill", Signal = Signals.Name(9), Result = "exited", Escalated = true, FreedBytes = 1 << 20, ExitMs = 1.5 };
        foreach (var e in (ReadOnlySpan<KillEvent>)[signal, kill])
        {
            buffer.ResetWrittenCount();
            using var w = new System.Text.Json.Utf8JsonWriter(buffer, EventJournal.WriterOptions);
            EventJournal.Write(w, e);
        }
    }
}
