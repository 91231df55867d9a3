using OomWarden.Core.Model;

namespace OomWarden.Core.Decisions;

/// <summary>Processes that are no victim because killing them frees nothing: one already exiting (a zombie, a task
/// the kernel is tearing down, one with SIGKILL pending: <see cref="ProcessSample.Exiting"/>) or one holding no
/// memory (rss + swap + page tables = 0). Unlike <see cref="HardProtection"/> this is not a protection: such a
/// process is skipped, and a cgroup holding only such processes has nothing killable inside. The kernel's OOM killer
/// does the same (it skips tasks without an mm and waits for an exiting victim).</summary>
public static class FreesNothing
{
    /// <summary>Why killing <paramref name="process"/> frees nothing, or null when it may free something.</summary>
    public static string? Reason(ProcessSample process)
    {
        if (process.Exiting) return "already exiting";
        if (process.FootprintBytes <= 0) return "no memory to free";
        return null;
    }
}
