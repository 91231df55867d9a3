using System.Diagnostics.CodeAnalysis;
using OomWarden.Linux.Interop;
using OomWarden.Core.Model;
using OomWarden.Linux.Interop.FileSystem;
using OomWarden.Linux.IO;
using OomWarden.Linux.Parsing;

namespace OomWarden.Linux.Cgroups;

/// <summary>The memory files of ONE cgroup, each opened once and re-read at offset 0 (0 bytes allocated per read
/// after the first). v2: memory.current, memory.max, memory.high, memory.stat, memory.swap.current, memory.events.
/// v1: memory.usage_in_bytes, memory.limit_in_bytes, memory.stat, memory.memsw.usage_in_bytes, memory.oom_control,
/// memory.failcnt. Reads return false once the cgroup has been removed (<see cref="IsGone"/>).</summary>
/// <remarks>
/// The hot path can stay lazy: <see cref="TryReadUsage"/> and <see cref="TryReadLimit"/> read one small file each;
/// <see cref="TryReadInactiveFile"/> (memory.stat, ~40 lines) need only be read when usage nears the limit.
/// Files a kernel or a configuration lacks (memory.high on v1, swap files without swap accounting, limits of the v2
/// root) read as <see cref="CgroupMemory.Unlimited"/> or 0. The v2 root has no memory.current: its usage is then
/// estimated from memory.stat as anon + file + slab.
/// </remarks>
public sealed class CgroupMemoryReader : IDisposable
{
    private readonly KernelFile? usage;
    private readonly KernelFile? limit;
    private readonly KernelFile? high;
    private readonly KernelFile? stat;
    private readonly KernelFile? swap;      // v2 memory.swap.current, v1 memory.memsw.usage_in_bytes
    private readonly KernelFile? events;    // v2 memory.events, v1 memory.oom_control
    private readonly KernelFile? failcnt;   // v1 memory.failcnt
    private byte[] buffer = new byte[4096];

    private CgroupMemoryReader(string directory, CgroupVersion version)
    {
        Directory = directory;
        Version = version;
        if (version == CgroupVersion.V2)
        {
            usage = Open("memory.current");
            limit = Open("memory.max");
            high = Open("memory.high");
            stat = Open("memory.stat");
            swap = Open("memory.swap.current");
            events = Open("memory.events");
        }
        else
        {
            usage = Open("memory.usage_in_bytes");
            limit = Open("memory.limit_in_bytes");
            stat = Open("memory.stat");
            swap = Open("memory.memsw.usage_in_bytes");
            events = Open("memory.oom_control");
            failcnt = Open("memory.failcnt");
        }
    }

    /// <summary>Opens the memory files of the cgroup directory <paramref name="directory"/>; false when it holds
    /// neither a usage file nor memory.stat (removed, or not a memory cgroup).</summary>
    public static bool TryOpen(string directory, CgroupVersion version, [NotNullWhen(true)] out CgroupMemoryReader? reader)
    {
        if (version == CgroupVersion.None) throw new ArgumentException("The memory controller is not mounted.", nameof(version));
        var candidate = new CgroupMemoryReader(directory, version);
        if (candidate.usage is null && candidate.stat is null)
        {
            candidate.Dispose();
            reader = null;
            return false;
        }
        reader = candidate;
        return true;
    }

    /// <summary>Opens the memory cgroup <paramref name="cgroupPath"/> ("/a/b") of <paramref name="layout"/>.</summary>
    public static bool TryOpen(HostPaths paths, CgroupLayout layout, string cgroupPath, [NotNullWhen(true)] out CgroupMemoryReader? reader)
    {
        reader = null;
        var directory = layout.MemoryCgroupDirectory(paths, cgroupPath);
        return directory is not null && TryOpen(directory, layout.MemoryVersion, out reader);
    }

    public string Directory { get; }

    public CgroupVersion Version { get; }

    /// <summary>Set once a read found the cgroup removed (ENODEV/ENOENT).</summary>
    public bool IsGone { get; private set; }

    /// <summary>Why the last read failed; null after a success.</summary>
    public string? LastError { get; private set; }

    /// <summary>Whether <see cref="TryReadEvents"/> has a file to read (absent on the v2 root).</summary>
    public bool HasEvents => events is not null;

    /// <summary>v2 memory.current, v1 memory.usage_in_bytes.</summary>
    public bool TryReadUsage(out long bytes)
    {
        if (usage is null)
        {
            if (TryReadStat(out var s))
            {
                bytes = Saturating.Add(Saturating.Add(s.AnonBytes, s.FileBytes), s.SlabReclaimableBytes, s.SlabUnreclaimableBytes);
                return true;
            }
            bytes = 0;
            return false;
        }
        return TryReadValue(usage, out bytes);
    }

    /// <summary>v2 memory.max, v1 memory.limit_in_bytes; <see cref="CgroupMemory.Unlimited"/> for "max" and when absent.</summary>
    public bool TryReadLimit(out long bytes) => TryReadOptionalValue(limit, CgroupMemory.Unlimited, out bytes);

    /// <summary>v2 memory.high; <see cref="CgroupMemory.Unlimited"/> on v1 and when absent.</summary>
    public bool TryReadHigh(out long bytes) => TryReadOptionalValue(high, CgroupMemory.Unlimited, out bytes);

    /// <summary>Swap used by the cgroup: v2 memory.swap.current; v1 memsw.usage − usage. 0 without swap accounting.</summary>
    public bool TryReadSwap(out long bytes)
    {
        bytes = 0;
        long used = 0;
        if (Version == CgroupVersion.V1 && swap is not null && !TryReadUsage(out used)) return false;
        return TryReadSwap(used, out bytes);
    }

    private bool TryReadSwap(long usageBytes, out long bytes)
    {
        if (Version == CgroupVersion.V2) return TryReadOptionalValue(swap, 0, out bytes);
        bytes = 0;
        if (swap is null) return !IsGone;
        if (!TryReadValue(swap, out long memsw)) return false;
        bytes = Math.Max(0, memsw - usageBytes);
        return true;
    }

    /// <summary>memory.stat, v1 names mapped onto v2's (see <see cref="CgroupMemoryStat"/>).</summary>
    public bool TryReadStat(out CgroupMemoryStat memoryStat)
    {
        memoryStat = default;
        if (stat is null)
        {
            LastError = Directory + ": no memory.stat";
            return false;
        }
        int n = Read(stat);
        if (n < 0) return false;
        if (!CgroupMemoryStatParser.TryParse(buffer.AsSpan(0, n), out memoryStat))
        {
            LastError = stat.Path + ": malformed";
            return false;
        }
        return true;
    }

    /// <summary>memory.stat inactive_file (v1: total_inactive_file).</summary>
    public bool TryReadInactiveFile(out long bytes)
    {
        bool ok = TryReadStat(out var s);
        bytes = s.InactiveFileBytes;
        return ok;
    }

    /// <summary>Everything <see cref="CgroupMemory"/> holds: usage, limit, high, memory.stat, swap.</summary>
    public bool TryRead(out CgroupMemory memory)
    {
        memory = default;
        if (!TryReadUsage(out long used)
            || !TryReadLimit(out long max)
            || !TryReadHigh(out long highBytes)
            || !TryReadInactiveFile(out long inactive)
            || !TryReadSwap(used, out long swapped))
        {
            return false;
        }
        memory = new CgroupMemory(used, max, highBytes, inactive, swapped);
        return true;
    }

    /// <summary>v2 memory.events; v1 memory.oom_control and memory.failcnt (as <see cref="CgroupEvents.Max"/>).</summary>
    public bool TryReadEvents(out CgroupEvents cgroupEvents)
    {
        cgroupEvents = default;
        if (events is null)
        {
            LastError = Directory + ": no " + (Version == CgroupVersion.V2 ? "memory.events" : "memory.oom_control");
            return false;
        }
        int n = Read(events);
        if (n < 0) return false;
        if (Version == CgroupVersion.V2)
        {
            if (CgroupEventsParser.TryParse(buffer.AsSpan(0, n), out cgroupEvents)) return true;
        }
        else if (OomControlParser.TryParse(buffer.AsSpan(0, n), out var control))
        {
            long failures = 0;
            if (failcnt is not null && !TryReadValue(failcnt, out failures)) return false;
            cgroupEvents = new CgroupEvents(0, 0, failures, 0, control.OomKill, 0)
            {
                UnderOom = control.UnderOom,
                OomKillDisabled = control.OomKillDisable,
            };
            return true;
        }
        LastError = events.Path + ": malformed";
        return false;
    }

    public void Dispose()
    {
        usage?.Dispose();
        limit?.Dispose();
        high?.Dispose();
        stat?.Dispose();
        swap?.Dispose();
        events?.Dispose();
        failcnt?.Dispose();
    }

    public override string ToString() => Directory;

    private bool TryReadOptionalValue(KernelFile? file, long whenAbsent, out long bytes)
    {
        if (file is null)
        {
            bytes = whenAbsent;
            return !IsGone;
        }
        return TryReadValue(file, out bytes);
    }

    private bool TryReadValue(KernelFile file, out long bytes)
    {
        bytes = 0;
        int n = Read(file);
        if (n < 0) return false;
        if (!CgroupValueParser.TryParse(buffer.AsSpan(0, n), out bytes))
        {
            LastError = file.Path + ": not a number";
            return false;
        }
        return true;
    }

    /// <summary>Reads <paramref name="file"/> to its end; −errno on failure, −EFBIG when it is longer than its cap
    /// (no memory file of a cgroup is: a truncated one is not parsed).</summary>
    private int Read(KernelFile file)
    {
        int n = file.Read(ref buffer, out bool truncated);
        if (n < 0)
        {
            if (Errno.MeansGone(-n)) IsGone = true;
            LastError = file.DescribeError(-n);
        }
        else if (truncated)
        {
            LastError = file.TruncatedMessage;
            return -Errno.EFBIG;
        }
        else
        {
            LastError = null;
        }
        return n;
    }

    private KernelFile? Open(string name) => KernelFile.TryOpen(Directory + "/" + name, out _);
}
