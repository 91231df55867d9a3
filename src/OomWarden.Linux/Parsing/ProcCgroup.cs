namespace OomWarden.Linux.Parsing;

/// <summary>The paths of /proc/PID/cgroup that matter: the v2 ("0::") path, the v1 memory path and the
/// v1 name=systemd path; null when the line is absent.</summary>
public sealed record ProcCgroup(string? UnifiedPath, string? MemoryV1Path, string? SystemdPath)
{
    /// <summary>The path in the hierarchy that holds the memory controller ("/" when unknown).</summary>
    public string MemoryPath(CgroupVersion memoryOn) =>
        (memoryOn == CgroupVersion.V1 ? MemoryV1Path : UnifiedPath) ?? "/";
}
