namespace OomWarden.Core.Model;

/// <summary>One NUMA node's memory (/sys/devices/system/node/nodeN/meminfo), in bytes.</summary>
/// <remarks>Nodes have no MemAvailable line; <see cref="AvailableBytes"/> is free plus inactive page cache,
/// a conservative estimate (the kernel's MemAvailable also counts part of the active cache and slab).</remarks>
public readonly record struct NodeMemory(int Node, long TotalBytes, long FreeBytes, long InactiveFileBytes)
{
    public long AvailableBytes => Saturating.Add(FreeBytes, InactiveFileBytes);
}
