using OomWarden.Core.Decisions;
using OomWarden.Core.Engine;
using OomWarden.Core.Levels;
using OomWarden.Core.Policy;
using OomWarden.Core.Settings;
using OomWarden.Linux;
using OomWarden.Linux.Actions;
using OomWarden.Linux.Loop;
using OomWarden.Linux.Parsing;

namespace OomWarden.Daemon;

/// <summary>The host's half of proactive reclaim at low: ranks a domain's cgroups that the policy marks
/// <c>reclaim = true</c> (on the loop: the same tree read as a victim selection) and runs each step on
/// <see cref="ReclaimWorker"/>'s thread. Exists only on cgroup v2 under the real roots.</summary>
public sealed class ReclaimRunner : IDisposable
{
    private readonly IHostAccess _host;
    private readonly EventLoop _loop;
    private ReclaimWorker? _worker;
    private CompiledPolicy _policy;

    private ReclaimRunner(IHostAccess host, EventLoop loop, CompiledPolicy policy)
    {
        _host = host;
        _loop = loop;
        _policy = policy;
    }

    /// <summary>A runner on cgroup v2 under the real roots, else null; says once (through <paramref name="log"/>)
    /// why rules with <c>reclaim = true</c> are ignored here.</summary>
    public static ReclaimRunner? TryCreate(IHostAccess host, HostPaths paths, EventLoop loop, CompiledPolicy policy, Action<string>? log)
    {
        string? why = host.MemoryVersion != CgroupVersion.V2 ? "cgroup v1 has no memory.reclaim (cgroup v2 only)"
            : paths.SysRoot != HostPaths.Default.SysRoot ? "a --sys-root tree is read, never written"
            : null;
        if (why is null) return new ReclaimRunner(host, loop, policy);
        if (policy.AnyReclaim) log?.Invoke($"oomwarden: reclaim = true in [[rule]] is ignored: {why}");
        return null;
    }

    /// <summary>The engine's reclaim options: the [levels] reclaim settings when a runner exists, levels are on and
    /// a rule says <c>reclaim = true</c>; else null (off).</summary>
    public static ReclaimSettings? OptionsFor(ReclaimRunner? runner, DaemonSettings settings, CompiledPolicy policy)
        => runner is not null && settings.Levels.Enabled && policy.AnyReclaim ? settings.Levels.Reclaim : null;

    /// <summary>After a reload: the new rules decide.</summary>
    public void Rebind(CompiledPolicy policy) => _policy = policy;

    public IReadOnlyList<ReclaimCandidate> Rank(IDomainView view) => ReclaimCandidates.Rank(view.Root, _policy);

    /// <summary>Runs <paramref name="step"/> off the loop; <paramref name="onDone"/> runs on the loop's thread (at
    /// once when the cgroup has no directory any more).</summary>
    public void Start(ReclaimStep step, Action<ReclaimStep> onDone)
    {
        if (_host.CgroupDirectory(step.Cgroup) is not { } dir)
        {
            step.Result = ReclaimResult.Gone;
            onDone(step);
            return;
        }
        // Made at the first step: a daemon without reclaim rules holds no eventfd or thread for it.
        (_worker ??= new ReclaimWorker(_loop)).Start(step, dir, onDone);
    }

    /// <summary>At stop: a step still running is waited for (briefly) and reported.</summary>
    public void Finish(TimeSpan timeout) => _worker?.Finish(timeout);

    public void Dispose() => _worker?.Dispose();
}
