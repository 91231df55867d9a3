namespace OomWarden.Core.Engine;

/// <summary>Which limit the kernel's OOM killer answered, from the report's constraint
/// (<c>CONSTRAINT_NONE</c>, <c>CONSTRAINT_MEMCG</c>, <c>CONSTRAINT_CPUSET</c>, <c>CONSTRAINT_MEMORY_POLICY</c>).</summary>
public enum KernelKillKind : byte
{
    System,
    Memcg,
    Cpuset,
    Mempolicy,
}

public static class KernelKillKinds
{
    public static readonly KernelKillKind[] All = [KernelKillKind.System, KernelKillKind.Memcg, KernelKillKind.Cpuset, KernelKillKind.Mempolicy];

    /// <summary>The journal's and the metrics' name: <c>system</c>, <c>memcg</c>, <c>cpuset</c>, <c>mempolicy</c>.</summary>
    public static string Name(KernelKillKind kind) => kind switch
    {
        KernelKillKind.Memcg => "memcg",
        KernelKillKind.Cpuset => "cpuset",
        KernelKillKind.Mempolicy => "mempolicy",
        _ => "system",
    };

    /// <summary>From the report's constraint; a report without one (kernels before 4.19) is memcg when it names an
    /// OOM memcg, else system.</summary>
    public static KernelKillKind FromConstraint(string? constraint, bool hasOomMemcg) => constraint switch
    {
        "CONSTRAINT_MEMCG" => KernelKillKind.Memcg,
        "CONSTRAINT_CPUSET" => KernelKillKind.Cpuset,
        "CONSTRAINT_MEMORY_POLICY" => KernelKillKind.Mempolicy,
        "CONSTRAINT_NONE" => KernelKillKind.System,
        _ => hasOomMemcg ? KernelKillKind.Memcg : KernelKillKind.System,
    };
}
