using OomWarden.Core.Model;

namespace OomWarden.Core.Decisions;

/// <summary>Processes no policy can make killable: PID 1, kernel threads, oomwarden itself,
/// <c>oom_score_adj = −1000</c> (the kernel's own "never"), and the configured protected comms.</summary>
public static class HardProtection
{
    /// <summary>Why <paramref name="process"/> may never be chosen, or null when it may.</summary>
    public static string? Reason(ProcessSample process, SelectorOptions options)
    {
        if (process.Pid == 1) return "PID 1";
        if (process.IsKernelThread) return "kernel thread";
        if (options.ProtectedPids.Contains(process.Pid)) return "oomwarden itself";
        if (process.OomScoreAdj <= KernelBadness.OomScoreAdjMin) return "oom_score_adj -1000";
        foreach (var comm in options.ProtectedComms)
        {
            if (string.Equals(comm, process.Comm, StringComparison.Ordinal)) return "protected comm";
        }
        return null;
    }
}
