using OomWarden.Core.Model;

namespace OomWarden.Core.Decisions;

public enum KillMode
{
    /// <summary>Signal the chosen process only.</summary>
    Process,

    /// <summary>Kill ladder: the cgroup's largest process first, then the whole cgroup as a unit.</summary>
    Cgroup,
}

public enum CandidateKind
{
    Cgroup,
    Process,
}

/// <summary>One sibling compared at one level of the walk.</summary>
/// <param name="Name">Cgroup path, or the process comm.</param>
/// <param name="Pid">The pid for a process, null for a cgroup.</param>
/// <param name="Priority">Higher is kept longer.</param>
/// <param name="FootprintBytes">Cgroup working set, or process rss + swap + page tables.</param>
/// <param name="Rule">The rule that gave the priority ("default" when none matched).</param>
/// <param name="Note">Why it was skipped, when it was (protected, empty, outside cpuset...).</param>
public sealed record RankedCandidate(
    CandidateKind Kind,
    string Name,
    int? Pid,
    int Priority,
    bool Protected,
    long FootprintBytes,
    string Rule,
    string? Note = null);

/// <summary>One level of the walk: the siblings at that level ranked, the first being the one taken.</summary>
public sealed record DecisionLevel(string CgroupPath, IReadOnlyList<RankedCandidate> Ranked);

/// <summary>How to act on the victim.</summary>
public sealed record VictimAction(KillMode Mode, int Signal, TimeSpan TermGrace);

/// <summary>The selector's answer, with the full path it took so it can be explained.</summary>
public sealed record Decision
{
    public required Domain Domain { get; init; }

    /// <summary>The process to signal first; null when there is nothing to kill.</summary>
    public ProcessSample? Victim { get; init; }

    /// <summary>When the rule says kill = "cgroup": the cgroup the ladder empties if killing the victim is not enough.</summary>
    public CgroupNode? VictimCgroup { get; init; }

    public VictimAction? Action { get; init; }

    public IReadOnlyList<DecisionLevel> Path { get; init; } = [];

    /// <summary>One line: why this victim, or why nothing can be killed.</summary>
    public required string Summary { get; init; }

    public bool NothingToKill => Victim is null;
}

/// <summary>Chooses the victim inside a domain. Pure: no I/O beyond what the view supplies.</summary>
public interface IVictimSelector
{
    Decision Select(IDomainView domain);
}
