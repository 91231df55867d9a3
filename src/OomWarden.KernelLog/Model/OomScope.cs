namespace OomWarden.KernelLog.Model;

/// <summary>Which limit ran out: the whole machine, a memory cgroup (v1 or v2), a cpuset or a mempolicy.</summary>
public enum OomScope : byte
{
    Unknown = 0,
    Global,
    MemcgV1,
    MemcgV2,
    Memcg,
    Cpuset,
    Mempolicy,
}

public static class OomScopeNames
{
    public static string? Name(OomScope scope) => scope switch
    {
        OomScope.Global => "global",
        OomScope.MemcgV1 => "memcg-v1",
        OomScope.MemcgV2 => "memcg-v2",
        OomScope.Memcg => "memcg",
        OomScope.Cpuset => "cpuset",
        OomScope.Mempolicy => "mempolicy",
        _ => null,
    };

    public static string Describe(OomScope scope) => scope switch
    {
        OomScope.Global => "global (whole machine)",
        OomScope.MemcgV1 => "memcg v1",
        OomScope.MemcgV2 => "memcg v2",
        OomScope.Memcg => "memcg (version not shown)",
        OomScope.Cpuset => "cpuset (allowed NUMA nodes)",
        OomScope.Mempolicy => "mempolicy (bound NUMA nodes)",
        _ => "unknown",
    };
}
