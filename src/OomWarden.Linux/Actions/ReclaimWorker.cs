using OomWarden.Core.Levels;
using OomWarden.Linux.Interop;
using OomWarden.Linux.Interop.Process;
using OomWarden.Linux.Loop;

namespace OomWarden.Linux.Actions;

/// <summary>Runs <c>memory.reclaim</c> steps off the loop: the kernel reclaims in the writer's context, which can
/// take long, and every domain must stay watched meanwhile. One worker thread, started at the first step, takes the
/// steps in order, one at a time; each finished step comes back through an eventfd the loop watches and is handed
/// to its callback on the loop's thread (as <see cref="CgroupKillWorker"/> does for cgroup kills).</summary>
public sealed class ReclaimWorker : IDisposable
{
    private readonly CgroupReclaimer _reclaimer = new();
    private readonly OffLoopWorker _worker;

    // A write of memory.reclaim cannot be interrupted from here: Dispose waits 2 s, then leaves the background thread.
    public ReclaimWorker(EventLoop loop) => _worker = new OffLoopWorker(loop, "reclaim", TimeSpan.FromSeconds(2));

    /// <summary>Steps started whose outcome the loop has not taken yet.</summary>
    public int Pending => _worker.Pending;

    /// <summary>Queues <paramref name="step"/> on <paramref name="directory"/>; <paramref name="onDone"/> runs on the
    /// loop's thread with the step's result filled in.</summary>
    public void Start(ReclaimStep step, string directory, Action<ReclaimStep> onDone)
        => _worker.Start(() =>
        {
            try
            {
                _reclaimer.Run(step, directory);
            }
            catch (Exception e)
            {
                step.Result = ReclaimResult.Failed;
                step.Error = e.Message;
            }
            return () => onDone(step);
        });

    /// <summary>At stop: waits up to <paramref name="timeout"/> for a step still running and delivers it.</summary>
    public void Finish(TimeSpan timeout) => _worker.Finish(timeout);

    public void Dispose() => _worker.Dispose();
}
