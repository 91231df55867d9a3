using OomWarden.Core.Detection;
using OomWarden.Core.Model;

namespace OomWarden.Core.Engine;

/// <summary>What a kill takes away, as the domains see it: the victim's cgroup and the NUMA nodes it may use.</summary>
/// <param name="WholeCgroup">True when the kill empties <paramref name="CgroupPath"/> as a unit (the ladder's last rung).</param>
public readonly record struct KillTarget(string CgroupPath, ulong MemsAllowedMask, bool WholeCgroup);

/// <summary>One place where memory can run short, with its latest figures. One subclass per kind (system, NUMA
/// node set, cgroup); each evaluates its own figures, says how much is left, describes itself for a reason line
/// and knows which kills free memory for it. Nothing outside these classes switches on the kind.</summary>
/// <remarks>Figures come in through the subclass's <c>Update</c> (the daemon reads them, tests write literals);
/// updating allocates nothing.</remarks>
public abstract class WatchedDomain
{
    protected WatchedDomain(Domain domain)
    {
        Domain = domain;
        Name = domain.ToString();
    }

    /// <summary>Kind and root, as the selector and the journal know it.</summary>
    public Domain Domain { get; }

    /// <summary>"system", "nodes:1", or the cgroup path: the domain's key in the journal and the engine's state.</summary>
    public string Name { get; }

    /// <summary>The level and the distance to the term level at the latest figures.</summary>
    public LevelReading Reading { get; protected set; } = new(PressureLevel.None, long.MaxValue);

    public PressureLevel Level => Reading.Level;

    /// <summary>False until the first figures arrive, and after a failed read (the engine then leaves it alone).</summary>
    public bool HasFigures { get; protected set; }

    /// <summary>True while an armed kernel wake-up comes before every level of this domain (a v1 cgroup below its
    /// usage threshold): neither its term distance nor its warning distance needs polling.</summary>
    public bool KernelWakesFirst { get; protected set; }

    /// <summary>The distance (bytes) to this domain's next warning level at the engine's last step (long.MaxValue:
    /// none, [levels] off, or <see cref="KernelWakesFirst"/>): with <see cref="Reading"/>'s term distance it says how
    /// long the domain may go unread.</summary>
    public long WarningDistanceBytes { get; internal set; } = long.MaxValue;

    /// <summary>Set by the engine after each step: it has business with this domain (see OomEngine's MarkBusy), which
    /// must then be read on every tick. True until the first step.</summary>
    public bool NeedsEveryTick { get; internal set; } = true;

    /// <summary>What is left in this domain's own terms (MemAvailable, a node's free + inactive file, a cgroup's
    /// limit − working set): the judgement of a kill compares it before and after.</summary>
    public abstract long AvailableBytes { get; }

    /// <summary>What a percentage of [levels] is of: MemTotal, the nodes' memory, the cgroup's limit.</summary>
    public abstract long TotalBytes { get; }

    /// <summary>The available bytes at the domain's term level (the [levels] <c>exhaustion_in</c> target).</summary>
    public virtual long TermAvailableBytes => Saturating.Subtract(AvailableBytes, Reading.DistanceToTermBytes);

    /// <summary>The domain's PSI memory figures at the latest reading; <see cref="HasPressure"/> is false where
    /// the domain has none (cgroup v1, node sets, no CONFIG_PSI) or the read failed.</summary>
    public PressureStats Pressure { get; private set; }

    public bool HasPressure { get; private set; }

    public void SetPressure(in PressureStats pressure)
    {
        Pressure = pressure;
        HasPressure = true;
    }

    public void ClearPressure() => HasPressure = false;

    /// <summary>The latest figures as the level machine reads them.</summary>
    public Levels.LevelInput LevelInput => new(AvailableBytes, TotalBytes, TermAvailableBytes, Pressure, HasPressure);

    /// <summary>Higher is narrower: the engine serves narrow domains first, so a shortage seen by a cgroup and by
    /// its ancestors is answered once, inside the cgroup.</summary>
    public abstract int Specificity { get; }

    /// <summary>True when killing <paramref name="target"/> gives memory back to this domain: such a kill in flight
    /// stands for this domain too, and nothing else is killed for it meanwhile.</summary>
    public abstract bool Covers(in KillTarget target);

    /// <summary>The domain itself as a kill target: a domain that covers it counts on its kills.</summary>
    public KillTarget AsTarget => new(Domain.CgroupPath, Domain.NodeMask, false);

    /// <summary>The human reason at the latest figures, with the numbers (allocates; called when acting).</summary>
    public abstract string Describe();

    /// <summary>Counts the times the kernel started holding this domain's tasks for an answer (oom_delay); 0 for
    /// domains where it never does. The engine's quiet time after "nothing to kill" lasts only within one episode.</summary>
    public virtual long WaitEpisode => 0;

    /// <summary>A read failed: the domain keeps no level until the next good read.</summary>
    public void MarkUnreadable()
    {
        HasFigures = false;
        Reading = new LevelReading(PressureLevel.None, long.MaxValue);
    }

    public override string ToString() => Name;
}
