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
        StartupTrim.Refill(trim);
    }

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
