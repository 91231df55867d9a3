namespace OomWarden.KernelLog.Model;

/// <summary>A row of the kernel's "Unreclaimable slab info:" dump (<c>filp   406644KB   406648KB</c>).</summary>
public sealed class SlabCache
{
    public string Name { get; set; } = "";
    public long UsedKb { get; set; }
    public long TotalKb { get; set; }
    public string Line { get; set; } = "";
}
