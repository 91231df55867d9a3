namespace OomWarden.Core.Model;

/// <summary>The system-wide figures of /proc/meminfo that decisions use, in bytes.</summary>
public readonly record struct MemoryInfo(
    long MemTotalBytes,
    long MemFreeBytes,
    long MemAvailableBytes,
    long CachedBytes,
    long SwapTotalBytes,
    long SwapFreeBytes,
    long ShmemBytes,
    long DirtyBytes,
    long WritebackBytes)
{
    public long SwapUsedBytes => Saturating.Subtract(SwapTotalBytes, SwapFreeBytes);

    /// <summary>True on kernels older than 3.14, whose meminfo has no MemAvailable line:
    /// <see cref="MemAvailableBytes"/> is then estimated as MemFree + Buffers + Cached (what procps
    /// "free" showed as "-/+ buffers/cache"), which overstates what can really be reclaimed.</summary>
    public bool MemAvailableIsEstimate { get; init; }
}
