using OomWarden.Core.Decisions;
using OomWarden.Core.Model;

namespace OomWarden.Core.Snapshot;

/// <summary>Records any <see cref="IDomainView"/> (the live one for <c>oomwarden snapshot</c>) into a snapshot,
/// reading the processes of every cgroup of the view's tree.</summary>
public static class SnapshotBuilder
{
    /// <param name="recorderPid">The recording process's pid when it reads the real /proc (see
    /// <see cref="SnapshotDocument.RecorderPid"/>); null otherwise.</param>
    public static SnapshotDocument Build(IDomainView view, MemoryInfo memory, DateTimeOffset time, string hostname, long pageSizeBytes = 4096,
        int? recorderPid = null)
    {
        var cgroups = new List<SnapshotCgroup>();
        var pending = new Stack<CgroupNode>();
        pending.Push(view.Root);
        while (pending.Count > 0)
        {
            var node = pending.Pop();
            var processes = new List<SnapshotProcess>();
            foreach (var p in view.ProcessesIn(node))
            {
                processes.Add(new SnapshotProcess
                {
                    Pid = p.Pid,
                    ParentPid = p.ParentPid,
                    StartTimeTicks = p.StartTimeTicks,
                    Comm = p.Comm,
                    Exe = p.ExePath,
                    Cmdline = p.CommandLine,
                    Uid = p.Uid,
                    User = p.UserName,
                    OomScoreAdj = p.OomScoreAdjUnreadable ? null : p.OomScoreAdj,
                    OomScore = p.KernelOomScore,
                    RssBytes = p.RssBytes,
                    SwapBytes = p.SwapBytes,
                    PageTablesBytes = p.PageTablesBytes,
                    KernelThread = p.IsKernelThread,
                    Exiting = p.Exiting,
                });
            }
            processes.Sort((a, b) => a.Pid.CompareTo(b.Pid));
            var m = node.Memory;
            cgroups.Add(new SnapshotCgroup
            {
                Path = node.Path,
                UsageBytes = m.UsageBytes,
                LimitBytes = m.HasLimit ? m.LimitBytes : null,
                HighBytes = m.HighBytes == CgroupMemory.Unlimited ? null : m.HighBytes,
                InactiveFileBytes = m.InactiveFileBytes,
                SwapBytes = m.SwapBytes,
                Processes = processes,
            });
            for (int i = node.Children.Count - 1; i >= 0; i--) pending.Push(node.Children[i]);
        }

        return new SnapshotDocument
        {
            Time = time,
            Hostname = hostname,
            PageSizeBytes = pageSizeBytes,
            RecorderPid = recorderPid,
            Domain = view.Domain.Kind == DomainKind.System ? null : view.Domain.CgroupPath,
            Memory = new SnapshotMemory
            {
                MemTotalBytes = memory.MemTotalBytes,
                MemFreeBytes = memory.MemFreeBytes,
                MemAvailableBytes = memory.MemAvailableBytes,
                CachedBytes = memory.CachedBytes,
                SwapTotalBytes = memory.SwapTotalBytes,
                SwapFreeBytes = memory.SwapFreeBytes,
                ShmemBytes = memory.ShmemBytes,
                DirtyBytes = memory.DirtyBytes,
                WritebackBytes = memory.WritebackBytes,
            },
            Cgroups = cgroups,
        };
    }
}
