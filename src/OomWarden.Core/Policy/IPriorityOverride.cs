using OomWarden.Core.Model;

namespace OomWarden.Core.Policy;

/// <summary>A priority the daemon gives on top of the rules (today: <c>restart_loop_priority</c> for a restart
/// loop). Never lifts a protection; the verdict's priority becomes the lower of the two.</summary>
public interface IPriorityOverride
{
    bool TryCgroupPriority(string cgroupPath, out int priority);

    bool TryProcessPriority(ProcessSample process, out int priority);
}
