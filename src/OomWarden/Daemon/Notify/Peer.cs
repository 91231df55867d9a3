using OomWarden.Core.Engine;
using OomWarden.Linux.Processes;

namespace OomWarden.Daemon.Notify;

/// <summary>Who is at the other end of a connection (SO_PEERCRED pid → its memory cgroup and the nodes it may use),
/// and so which domains it lives in: those its own kill would free memory for (<see cref="WatchedDomain.Covers"/>).</summary>
public sealed record Peer(int Pid, int Uid, ulong StartTimeTicks, string Cgroup, ulong MemsAllowedMask)
{
    public bool LivesIn(WatchedDomain d) => d.Covers(new KillTarget(Cgroup, MemsAllowedMask, false));

    public static Peer? TryResolve(int pid, int uid, ProcessReader processes)
    {
        if (!processes.TryRead(pid, ProcessReadOptions.Status | ProcessReadOptions.Cgroup, out var sample)) return null;
        return new Peer(pid, uid, sample.StartTimeTicks, sample.CgroupPath, sample.MemsAllowedMask);
    }
}
