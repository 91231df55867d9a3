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
    public long SwapUsedBytes => SwapTotalBytes - SwapFreeBytes;
}
