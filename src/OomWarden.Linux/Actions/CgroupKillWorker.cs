using OomWarden.Core.Policy;
using OomWarden.Linux.Parsing;
using OomWarden.Linux.Interop;
using OomWarden.Linux.Interop.Process;
using OomWarden.Linux.Loop;

namespace OomWarden.Linux.Actions;

/// <summary>Runs cgroup kills off the loop. Emptying a cgroup waits for its tasks to exit (up to
/// <see cref="CgroupKiller.Bound"/>, 10 s): on the loop that would leave every other domain unwatched meanwhile.
/// One worker thread, started at the first kill, takes the kills in order; each outcome comes back through an
/// eventfd the loop watches and is handed to its callback on the loop's thread.</summary>
/// <remarks>The killer owns its buffers and its own <see cref="Processes.ProcessReader"/>: nothing it touches is
/// shared with the loop.</remarks>
public sealed class CgroupKillWorker : IDisposable
{
    private readonly CgroupKiller _killer;
    private readonly OffLoopWorker _worker;

    public CgroupKillWorker(CgroupKiller killer, EventLoop loop)
    {
        _killer = killer;
        _worker = new OffLoopWorker(loop, "cgroup-kill", killer.Bound + TimeSpan.FromSeconds(1));
    }

    /// <summary>Kills started whose outcome the loop has not taken yet.</summary>
    public int Pending => _worker.Pending;

    /// <summary>Queues the kill of <paramref name="cgroupPath"/>; <paramref name="onDone"/> runs on the loop's thread.</summary>
    public void Start(string cgroupPath, string directory, CgroupVersion version, Action<CgroupKillOutcome> onDone)
        => _worker.Start(() =>
        {
            CgroupKillOutcome outcome;
            try
            {
                outcome = _killer.KillAll(cgroupPath, directory, version);
            }
            catch (Exception e)
            {
                outcome = new CgroupKillOutcome(KillResult.Failed, 0, 0, [], 0, 0, 0, TimeSpan.Zero, e.Message);
            }
            return () => onDone(outcome);
        });

    /// <summary>At stop: waits up to <paramref name="timeout"/> for the kills still running and delivers them.</summary>
    public void Finish(TimeSpan timeout) => _worker.Finish(timeout);

    public void Dispose() => _worker.Dispose();
}
