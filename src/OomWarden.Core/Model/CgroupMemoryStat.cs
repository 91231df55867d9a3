namespace OomWarden.Core.Model;

/// <summary>The memory.stat fields decisions use, in bytes, with v1 names mapped onto v2 names.</summary>
/// <remarks>
/// v1 fills these from the hierarchical <c>total_*</c> counters: anon ← total_rss, file ← total_cache,
/// inactive_file ← total_inactive_file, active_file ← total_active_file, shmem ← total_shmem,
/// file_dirty ← total_dirty, file_writeback ← total_writeback, swap ← total_swap.
/// Slab counters exist on v2 only (0 on v1). <see cref="HierarchicalLimitBytes"/> is v1's
/// hierarchical_memory_limit (the lowest limit on the path to the root); <see cref="CgroupMemory.Unlimited"/> on v2.
/// </remarks>
public readonly record struct CgroupMemoryStat(
    long AnonBytes,
    long FileBytes,
    long InactiveFileBytes,
    long ActiveFileBytes,
    long ShmemBytes,
    long FileDirtyBytes,
    long FileWritebackBytes,
    long SlabReclaimableBytes,
    long SlabUnreclaimableBytes,
    long SwapBytes,
    long HierarchicalLimitBytes,
    long HierarchicalMemswLimitBytes);
