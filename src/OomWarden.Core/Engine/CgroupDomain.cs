using OomWarden.Core.Detection;
using OomWarden.Core.Model;
using OomWarden.Core.Settings;

namespace OomWarden.Core.Engine;

/// <summary>A memory cgroup with a limit: headroom (limit − working set) against the [cgroups] levels. Kills inside
/// its subtree count for it, and so does killing a cgroup that contains it.</summary>
public sealed class CgroupDomain : WatchedDomain
{
    private readonly CgroupThresholds _thresholds;
    private readonly long _prepareMarginBytes;
    private readonly int _depth;

    public CgroupDomain(string cgroupPath, long limitBytes, CgroupThresholds thresholds, long prepareMarginBytes)
        : base(Model.Domain.ForCgroup(cgroupPath))
    {
        LimitBytes = limitBytes;
        _thresholds = thresholds;
        // A cgroup smaller than the band (what the worst fill rate covers in 250 ms) would be inside it from empty on and
        // re-prepare its decision four times a second for good; its band is half its limit (where v1 arms its wake-up).
        _prepareMarginBytes = Math.Min(prepareMarginBytes, limitBytes / 2);
        foreach (char c in cgroupPath.AsSpan().TrimEnd('/')) if (c == '/') _depth++;
    }

    public string Path => Domain.CgroupPath;

    public long LimitBytes { get; }

    public CgroupMemory Memory { get; private set; }

    public override long AvailableBytes => LimitBytes - Memory.WorkingSetBytes;

    public override long TotalBytes => LimitBytes;

    public override long TermAvailableBytes => _thresholds.HeadroomTerm.ToBytes(LimitBytes);

    /// <summary>The loosest [levels] <c>available</c> of this cgroup in bytes: within it the working set is read
    /// (memory.stat), so a cgroup full of page cache is not warned about for nothing.</summary>
    public long WarningHeadroomBytes { get; set; }

    /// <summary>Set by the host while the kernel holds this cgroup's tasks for oomwarden (oom_delay: v1 under_oom with
    /// oom_kill_disable, v2 at its memory.high window): the domain is at its kill level whatever its headroom, so the
    /// engine kills per policy at once, with SIGKILL (the tasks wait in the charge path; a grace would be spent
    /// there). The text says why, for the reason line. Null: not waiting.</summary>
    public string? OomWait { get; private set; }

    public void SetOomWait(string? why)
    {
        if (why is not null && OomWait is null) _waitEpisode++;
        OomWait = why;
    }

    /// <summary>A reload built this domain for the same cgroup as <paramref name="old"/> (same path and limit), and its
    /// bounded wait moves over: whether the kernel holds the tasks for an answer, and the wait's episode number (the
    /// engine's quiet time, kept by domain name, is tied to it). Nothing else is copied: figures come from the next read.</summary>
    public void TakeOomWaitFrom(CgroupDomain old)
    {
        OomWait = old.OomWait;
        _waitEpisode = old._waitEpisode;
    }

    private long _waitEpisode;

    public override long WaitEpisode => _waitEpisode;

    public override int Specificity => 2 + _depth;

    /// <summary>Usage alone (memory.usage_in_bytes / memory.current). Returns true when usage is close enough to
    /// the limit that the working set matters: the caller then reads inactive_file and calls
    /// <see cref="Update(long, long)"/>. Below an armed kernel wake-up the cgroup asks for no polling at all, also when
    /// the whole cgroup is smaller than the prepare band (its wake-up is armed at half the limit): otherwise every
    /// small limited cgroup would keep the daemon polling at the worst fill rate and re-preparing its decision four
    /// times a second for good.</summary>
    public bool UpdateFromUsage(long usageBytes, bool kernelWakesBelowUsage)
    {
        KernelWakesFirst = false;
        long distance = CgroupEvaluator.UsageDistanceToTerm(usageBytes, LimitBytes, _thresholds);
        if (OomWait is not null || LimitBytes - usageBytes <= WarningHeadroomBytes) return true;
        if (distance <= _prepareMarginBytes && !kernelWakesBelowUsage) return true;
        Memory = new CgroupMemory(usageBytes, LimitBytes, CgroupMemory.Unlimited, 0, 0);
        Reading = new LevelReading(PressureLevel.None, kernelWakesBelowUsage ? long.MaxValue / 2 : distance);
        KernelWakesFirst = kernelWakesBelowUsage;
        HasFigures = true;
        return false;
    }

    /// <summary>Usage and inactive page cache: the full evaluation.</summary>
    public void Update(long usageBytes, long inactiveFileBytes)
    {
        KernelWakesFirst = false;
        Memory = new CgroupMemory(usageBytes, LimitBytes, CgroupMemory.Unlimited, inactiveFileBytes, 0);
        Reading = CgroupEvaluator.Evaluate(Memory, _thresholds, _prepareMarginBytes);
        if (OomWait is not null) Reading = new LevelReading(PressureLevel.Kill, Math.Min(0, Reading.DistanceToTermBytes));
        HasFigures = true;
    }

    public override bool Covers(in KillTarget target)
        => IsWithin(target.CgroupPath, Path) || (target.WholeCgroup && IsWithin(Path, target.CgroupPath));

    public override string Describe() => OomWait is { } why
        ? why + "; usage " + SizeFormat.FormatBytes(Memory.UsageBytes) + " of limit " + SizeFormat.FormatBytes(LimitBytes)
        : CgroupEvaluator.Describe(Memory, _thresholds, Level);

    /// <summary>True when <paramref name="path"/> is <paramref name="root"/> or below it.</summary>
    public static bool IsWithin(string path, string root)
    {
        var r = root.AsSpan().TrimEnd('/');
        if (r.Length == 0) return true;
        var p = path.AsSpan();
        return p.StartsWith(r, StringComparison.Ordinal) && (p.Length == r.Length || p[r.Length] == '/');
    }
}
