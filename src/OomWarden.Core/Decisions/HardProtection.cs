using OomWarden.Core.Model;

namespace OomWarden.Core.Decisions;

/// <summary>Processes no policy can make killable: PID 1, kernel threads, oomwarden itself,
/// <c>oom_score_adj = −1000</c> (the kernel's own "never"), and a process whose oom_score_adj could not be read
/// (it may be −1000). This is the one protection rule of the daemon, <c>explain</c> and <c>simulate</c>.</summary>
/// <remarks>
/// "oomwarden itself" is a set of pids (<see cref="SelectorOptions.ProtectedPids"/>), never a name: any process can
/// call itself "oomwarden" (<c>prctl(PR_SET_NAME)</c>, a symlink named so). The daemon passes its own pid; explain
/// passes its own pid when it reads the real /proc (a fake <c>--proc-root</c> tree has no "itself");
/// simulate passes the pid that recorded the snapshot (<see cref="Snapshot.SnapshotDocument.RecorderPid"/>), which
/// was "itself" when the snapshot was taken, so explain and snapshot+simulate agree on the same state. The running
/// daemon also shows up in both as <c>oom_score_adj -1000</c>, which it sets on itself at start.
/// </remarks>
public static class HardProtection
{
    /// <summary>Why <paramref name="process"/> may never be chosen, or null when it may.</summary>
    public static string? Reason(ProcessSample process, SelectorOptions options)
    {
        if (process.Pid == 1) return "PID 1";
        if (process.IsKernelThread) return "kernel thread";
        if (options.ProtectedPids.Contains(process.Pid)) return "oomwarden itself";
        if (process.OomScoreAdjUnreadable) return "oom_score_adj unreadable";
        if (process.OomScoreAdj <= KernelBadness.OomScoreAdjMin) return "oom_score_adj -1000";
        return null;
    }

    /// <summary>The pids that are "oomwarden itself" for one decision: <paramref name="selfPid"/> when known, else none.</summary>
    public static IReadOnlySet<int> SelfPids(int? selfPid) =>
        selfPid is int pid && pid > 0 ? new HashSet<int> { pid } : new HashSet<int>();
}
