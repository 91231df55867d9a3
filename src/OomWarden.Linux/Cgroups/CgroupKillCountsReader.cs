using OomWarden.Core.Engine;
using OomWarden.Linux.IO;
using OomWarden.Linux.Parsing;

namespace OomWarden.Linux.Cgroups;

/// <summary>A cgroup's kernel kill counters (<see cref="CgroupKillCounts"/>), read on demand: at start, when the kernel
/// log reports a kill, when the set of watched cgroups changes and at stop; never per tick. v2: memory.events
/// (hierarchical oom_kill, oom_group_kill) and memory.events.local (local oom_kill); v1: memory.oom_control oom_kill.
/// Each file is opened, read and closed (a few per kill: no descriptor held per cgroup).</summary>
public sealed class CgroupKillCountsReader
{
    public const string V2EventsLocal = "memory.events.local";

    private byte[] _buffer = new byte[512];

    /// <summary>False when the cgroup is gone or none of its files reads.</summary>
    public bool TryRead(string directory, CgroupVersion version, out CgroupKillCounts counts)
    {
        counts = default;
        if (version == CgroupVersion.V1)
        {
            if (!TryReadFile(Path.Combine(directory, CgroupFiles.V1OomControl), out int n)
                || !OomControlParser.TryParse(_buffer.AsSpan(0, n), out var control))
                return false;
            counts = new CgroupKillCounts(control.OomKill, null, null);
            return true;
        }
        long? hierarchical = null, group = null, local = null;
        if (TryReadFile(Path.Combine(directory, CgroupFiles.V2Events), out int m) && CgroupEventsParser.TryParse(_buffer.AsSpan(0, m), out var events))
        {
            hierarchical = events.OomKill;
            group = events.OomGroupKill;
        }
        if (TryReadFile(Path.Combine(directory, V2EventsLocal), out int l) && CgroupEventsParser.TryParse(_buffer.AsSpan(0, l), out var localEvents))
            local = localEvents.OomKill;
        counts = new CgroupKillCounts(local, hierarchical, group);
        return !counts.IsEmpty;
    }

    private bool TryReadFile(string path, out int length)
    {
        length = NativeRead.ReadFile(path, ref _buffer, 64 * 1024, out _);
        return length >= 0;
    }
}
