using System.Diagnostics;
using OomWarden.Core.Policy;
using OomWarden.Linux.Interop;
using OomWarden.Linux.Interop.Process;
using OomWarden.Linux.Parsing;
using OomWarden.Linux.Processes;

namespace OomWarden.Linux.Actions;

/// <summary>Kills a cgroup as a unit, so no task escapes by forking, and says what it could not kill.</summary>
/// <remarks>
/// <para>cgroup v2 (5.14+): one write of "1" to cgroup.kill through the <see cref="CgroupKillTarget"/>'s directory
/// fd, then a wait until the cgroup is unpopulated. cgroup v1 has no such file, and its freezer lives in another
/// hierarchy: every task is stopped with SIGSTOP through a pidfd and the list re-read until no new pid appears
/// (a stopped task cannot fork), then every task gets SIGKILL and process_mrelease. That pass repeats until
/// cgroup.procs reads empty, or <see cref="MaxPasses"/> / <see cref="Bound"/> is reached.</para>
/// <para>A pid from cgroup.procs is signalled only once proven a member: its /proc/PID directory is opened, its
/// start time read, the pidfd opened, then (through the same directory fd, which answers ESRCH once that process
/// is gone) the start time must be unchanged and /proc/PID/cgroup must still name the cgroup. A pid that was
/// recycled or moved out in between is skipped and counted. When pidfds run out (EMFILE), the tasks already held
/// (all stopped) are killed and their fds closed, and the pass goes on.</para>
/// <para>On v1 only the tasks attached to the cgroup itself are killed, not those of its child cgroups.</para>
/// </remarks>
public sealed class CgroupKiller
{
    private const int MaxStopRounds = 64;
    private const int MaxSurvivorPids = 16;
    private static readonly TimeSpan ExitWaitPerPass = TimeSpan.FromSeconds(1);
    private readonly ProcessReader _processes;
    private readonly List<int> _pids = [];
    private byte[] _buffer = new byte[4096];

    public CgroupKiller(ProcessReader processes) => _processes = processes;

    /// <summary>Longest a kill may take before the rest are reported as survivors.</summary>
    public TimeSpan Bound { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Stop-then-kill passes at most (v1).</summary>
    public int MaxPasses { get; init; } = 16;

    /// <summary>Opens <paramref name="directory"/> and kills everything in cgroup <paramref name="cgroupPath"/>.</summary>
    public CgroupKillOutcome KillAll(string cgroupPath, string directory, CgroupVersion version)
    {
        using var target = CgroupKillTarget.TryOpen(cgroupPath, directory, version, out int errno);
        if (target is null)
        {
            return Errno.MeansGone(errno)
                ? new CgroupKillOutcome(KillResult.Vanished, 0, 0, [], 0, 0, 0, TimeSpan.Zero, $"cgroup {cgroupPath} is gone")
                : new CgroupKillOutcome(KillResult.Failed, 0, 0, [], 0, 0, 0, TimeSpan.Zero, Errno.Describe(errno, "open", directory));
        }
        return KillAll(target);
    }

    /// <summary>Kills everything in <paramref name="target"/>: loops until its cgroup.procs is empty or the bound is hit.</summary>
    public CgroupKillOutcome KillAll(CgroupKillTarget target)
    {
        var clock = Stopwatch.StartNew();
        if (target.Version == CgroupVersion.V2)
        {
            _pids.Clear();
            int listed = target.ListPids(_pids, ref _buffer, out _);
            if (listed < 0 && Errno.MeansGone(-listed))
                return new CgroupKillOutcome(KillResult.Vanished, 0, 0, [], 0, 0, 0, clock.Elapsed, $"cgroup {target.CgroupPath} is gone");
            int before = _pids.Count;
            if (target.TryWriteKill(out int errno)) return WaitEmptyV2(target, before, clock);
            if (errno != Errno.ENOENT)
                return new CgroupKillOutcome(KillResult.Failed, 0, before, First(_pids), 0, 0, 0, clock.Elapsed,
                    Errno.Describe(errno, "write", target.Directory + "/cgroup.kill"));
            // Kernel older than 5.14: stop and kill through pidfds, as on v1.
        }
        return StopThenKill(target, clock);
    }

    private CgroupKillOutcome WaitEmptyV2(CgroupKillTarget target, int listedBefore, Stopwatch clock)
    {
        while (true)
        {
            bool known = target.TryReadPopulated(ref _buffer, out bool populated);
            _pids.Clear();
            int r = target.ListPids(_pids, ref _buffer, out _);
            if (r < 0 && Errno.MeansGone(-r))
                return new CgroupKillOutcome(KillResult.Exited, listedBefore, 0, [], 0, 0, 0, clock.Elapsed, null);
            if (known && !populated && _pids.Count == 0)
                return new CgroupKillOutcome(KillResult.Exited, listedBefore, 0, [], 0, 0, 0, clock.Elapsed, null);
            if (clock.Elapsed >= Bound)
            {
                int survivors = Math.Max(_pids.Count, populated ? 1 : 0);
                return new CgroupKillOutcome(KillResult.StillAlive, listedBefore, survivors, First(_pids), 0, 0, 0, clock.Elapsed,
                    _pids.Count == 0 ? "processes remain in its child cgroups (cgroup.events: populated 1)" : null);
            }
            Thread.Sleep(5);
        }
    }

    private CgroupKillOutcome StopThenKill(CgroupKillTarget target, Stopwatch clock)
    {
        var held = new Dictionary<int, PidfdHandle>();
        var counts = new Counts();
        try
        {
            for (int pass = 0; pass < MaxPasses && clock.Elapsed < Bound; pass++)
            {
                // Stop every member until a listing shows no pid we do not hold (a stopped task cannot fork).
                for (int round = 0; round < MaxStopRounds && clock.Elapsed < Bound; round++)
                {
                    _pids.Clear();
                    int r = target.ListPids(_pids, ref _buffer, out bool truncated);
                    if (r is -Errno.EMFILE or -Errno.ENFILE && held.Count > 0)
                    {
                        // No fd left to open cgroup.procs with: kill the (stopped) tasks held, then list again.
                        counts.FdLimitHits++;
                        KillHeld(held, ref counts);
                        _pids.Clear();
                        r = target.ListPids(_pids, ref _buffer, out truncated);
                    }
                    if (r < 0) return ListingFailed(target, r, held, counts, clock);
                    if (truncated) counts.Error ??= IO.NativeRead.TruncatedMessage(target.Directory + "/cgroup.procs", IO.NativeRead.MaxBytes);
                    bool sawNew = false;
                    foreach (int pid in _pids)
                    {
                        if (held.ContainsKey(pid)) continue;
                        var h = OpenMember(pid, target, ref counts);
                        if (h is null && counts.OutOfFds)
                        {
                            // Free the fds: the held tasks are all stopped, kill them now, then try again once.
                            counts.FdLimitHits++;
                            KillHeld(held, ref counts);
                            counts.OutOfFds = false;
                            h = OpenMember(pid, target, ref counts);
                        }
                        if (h is null)
                        {
                            if (counts.OutOfFds)
                            {
                                counts.PidfdFailures++;
                                counts.Error ??= counts.FdError;
                                counts.OutOfFds = false;
                            }
                            continue;
                        }
                        h.TrySignal(Signals.SigStop, out _);
                        held[pid] = h;
                        sawNew = true;
                    }
                    if (!sawNew) break;
                }
                KillHeld(held, ref counts);
                if (WaitEmptyV1(target, clock, ExitWaitPerPass)) return Outcome(KillResult.Exited, 0, counts, clock);
            }
            _pids.Clear();
            int last = target.ListPids(_pids, ref _buffer, out _);
            if (last < 0 && Errno.MeansGone(-last)) return Outcome(KillResult.Exited, 0, counts, clock);
            return _pids.Count == 0
                ? Outcome(KillResult.Exited, 0, counts, clock)
                : Outcome(KillResult.StillAlive, _pids.Count, counts, clock, First(_pids));
        }
        finally
        {
            foreach (var h in held.Values) h.Dispose();
        }
    }

    private CgroupKillOutcome ListingFailed(CgroupKillTarget target, int r, Dictionary<int, PidfdHandle> held, Counts counts, Stopwatch clock)
    {
        KillHeld(held, ref counts);
        // A v1 cgroup can only be removed once empty: gone means nothing is left in it.
        if (Errno.MeansGone(-r))
            return Outcome(counts.Signalled == 0 ? KillResult.Vanished : KillResult.Exited, 0, counts, clock);
        counts.Error ??= Errno.Describe(-r, "read", target.Directory + "/cgroup.procs");
        return Outcome(KillResult.Failed, 0, counts, clock);
    }

    /// <summary>A pidfd proven to name a member of <paramref name="target"/>, or null (gone, not a member, or an
    /// error: counted; <see cref="Counts.OutOfFds"/> set for EMFILE/ENFILE).</summary>
    private PidfdHandle? OpenMember(int pid, CgroupKillTarget target, ref Counts counts)
    {
        int dir = _processes.OpenPid(pid);
        if (dir < 0)
        {
            NoteOpenFailure(-dir, ref counts, "open /proc/" + pid);
            return null;
        }
        try
        {
            int r = _processes.TryReadStartTimeAt(dir, out ulong before);
            if (r < 0)
            {
                NoteOpenFailure(-r, ref counts, $"read /proc/{pid}/stat");
                return null;
            }
            if (!PidfdHandle.TryOpen(pid, out var handle, out int errno))
            {
                NoteOpenFailure(errno, ref counts, "pidfd_open " + pid);
                return null;
            }
            // Through the same /proc/PID fd: it answers only while that process lives, so the pidfd names it.
            r = _processes.TryReadStartTimeAt(dir, out ulong after);
            bool member = false;
            if (r == 0) r = after == before ? _processes.TryReadIsInCgroupAt(dir, target.CgroupPath, orBelow: false, out member) : -Errno.ESRCH;
            if (r == 0 && member) return handle;
            if (r == 0) counts.NotMembers++;
            else NoteOpenFailure(-r, ref counts, $"read /proc/{pid}");
            handle!.Dispose();
            return null;
        }
        finally
        {
            ProcessReader.ClosePid(dir);
        }
    }

    private static void NoteOpenFailure(int errno, ref Counts counts, string what)
    {
        if (Errno.MeansGone(errno)) return;
        if (errno is Errno.EMFILE or Errno.ENFILE)
        {
            counts.OutOfFds = true;
            counts.FdError ??= $"{what}: {Errno.Describe(errno)}";
            return;
        }
        counts.PidfdFailures++;
        counts.Error ??= $"{what}: {Errno.Describe(errno)}";
    }

    /// <summary>SIGKILL to every held task, process_mrelease, a short wait for their exit; closes and clears them.</summary>
    private static void KillHeld(Dictionary<int, PidfdHandle> held, ref Counts counts)
    {
        foreach (var h in held.Values)
        {
            if (h.TrySignal(Signals.SigKill, out int errno)) counts.Signalled++;
            else if (errno != Errno.ESRCH) counts.Error ??= $"pidfd_send_signal(SIGKILL) to {h.Pid}: {Errno.Describe(errno)}";
        }
        foreach (var h in held.Values) h.TryMemoryRelease(out _);
        var wait = Stopwatch.StartNew();
        foreach (var h in held.Values)
        {
            var left = ExitWaitPerPass - wait.Elapsed;
            h.WaitExit(left > TimeSpan.Zero ? left : TimeSpan.Zero);
            h.Dispose();
        }
        held.Clear();
    }

    private bool WaitEmptyV1(CgroupKillTarget target, Stopwatch clock, TimeSpan wait)
    {
        var until = clock.Elapsed + wait;
        while (true)
        {
            _pids.Clear();
            int r = target.ListPids(_pids, ref _buffer, out _);
            if (r < 0) return Errno.MeansGone(-r);
            if (_pids.Count == 0) return true;
            if (clock.Elapsed >= until || clock.Elapsed >= Bound) return false;
            Thread.Sleep(5);
        }
    }

    private static CgroupKillOutcome Outcome(KillResult result, int survivors, Counts counts, Stopwatch clock, IReadOnlyList<int>? survivorPids = null)
    {
        return new CgroupKillOutcome(result, counts.Signalled, survivors, survivorPids ?? [], counts.PidfdFailures, counts.NotMembers,
            counts.FdLimitHits, clock.Elapsed, counts.Error);
    }

    private static int[] First(List<int> pids) => pids.GetRange(0, Math.Min(pids.Count, MaxSurvivorPids)).ToArray();

    private struct Counts
    {
        public int Signalled;
        public int PidfdFailures;
        public int NotMembers;
        public int FdLimitHits;
        public bool OutOfFds;
        public string? FdError;
        public string? Error;
    }
}
