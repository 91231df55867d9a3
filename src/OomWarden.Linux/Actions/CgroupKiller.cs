using OomWarden.Core.Policy;
using OomWarden.Linux.Interop;
using OomWarden.Linux.Interop.Process;

namespace OomWarden.Linux.Actions;

/// <summary>Lists the pids of a memory cgroup (cgroup.procs) by its path; empty when the cgroup is gone.</summary>
public delegate IReadOnlyList<int> CgroupPidLister(string cgroupPath);

/// <summary>Kills a cgroup as a unit, so no task escapes by forking.</summary>
/// <remarks>
/// cgroup v2 (5.14+): one write of "1" to cgroup.kill. cgroup v1 has no such file, and its freezer lives
/// in another hierarchy: every task is stopped with SIGSTOP through a pidfd and the list re-read until it is
/// stable (a stopped task cannot fork), then every task gets SIGKILL.
/// </remarks>
public sealed class CgroupKiller
{
    private const int MaxStopRounds = 64;
    private readonly CgroupPidLister _listPids;
    private readonly StartTimeReader _startTime;

    public CgroupKiller(CgroupPidLister listPids, StartTimeReader startTime)
    {
        _listPids = listPids;
        _startTime = startTime;
    }

    /// <summary>Kills everything in cgroup <paramref name="cgroupPath"/> (its cgroupfs directory is
    /// <paramref name="cgroupDirectory"/>); returns the number of processes signalled, or -1 with an error.</summary>
    public int KillAll(string cgroupPath, string cgroupDirectory, bool isV2, out string? error)
    {
        error = null;
        if (isV2)
        {
            string killFile = Path.Combine(cgroupDirectory, "cgroup.kill");
            int before = _listPids(cgroupPath).Count;
            if (RawFile.TryWriteFile(killFile, "1"u8, out int errno)) return before;
            if (errno != Errno.ENOENT)
            {
                error = $"write {killFile}: {Errno.Describe(errno)}";
                return -1;
            }
            // Kernel older than 5.14: fall through to stop-and-kill.
        }
        return StopThenKill(cgroupPath, out error);
    }

    private int StopThenKill(string cgroupPath, out string? error)
    {
        error = null;
        var handles = new Dictionary<int, PidfdHandle>();
        try
        {
            for (int round = 0; round < MaxStopRounds; round++)
            {
                bool sawNew = false;
                foreach (int pid in _listPids(cgroupPath))
                {
                    if (handles.ContainsKey(pid)) continue;
                    if (!PidfdHandle.TryOpen(pid, out var h, out _)) continue;
                    if (!_startTime(pid, out _))
                    {
                        h!.Dispose();
                        continue;
                    }
                    handles[pid] = h!;
                    h!.TrySignal(Signals.SigStop, out _);
                    sawNew = true;
                }
                if (!sawNew) break;
            }
            int killed = 0;
            foreach (var h in handles.Values)
            {
                if (h.TrySignal(Signals.SigKill, out int errno)) killed++;
                else if (errno != Errno.ESRCH) error ??= $"pidfd_send_signal(SIGKILL) to {h.Pid}: {Errno.Describe(errno)}";
            }
            foreach (var h in handles.Values) h.TryMemoryRelease(out _);
            return killed;
        }
        finally
        {
            foreach (var h in handles.Values) h.Dispose();
        }
    }
}
