namespace OomWarden.Daemon;

/// <summary>Work of the daemon's own that the loop runs when it is due and the daemon is calm (no kill in flight, no
/// cgroup churn, no domain near its term level): the working-set trim's cycle (<see cref="WorkingSetCycle"/>). Its due
/// time is one more deadline of the loop's sleep, beside the engine's; there is no timer or thread of its own.</summary>
public interface IIdleWork
{
    /// <summary>When the work is next due (a <see cref="TimeProvider"/> timestamp), or
    /// <see cref="Core.Engine.Deadline.None"/>. Read on every pass of the loop: must not allocate.</summary>
    long Due { get; }

    /// <summary>Runs what is due, on the loop thread, and sets the next <see cref="Due"/>. Bounded work (a few
    /// milliseconds), never a wait.</summary>
    void Run();
}
