namespace OomWarden.KernelLog.Model;

/// <summary>A per-zone line (<c>Node 0 Normal free:1234kB min:... low:... high:...</c>) joined with its buddy line.</summary>
public sealed class ZoneInfo
{
    public int Node { get; set; }
    public string Name { get; set; } = "";
    public long? FreeKb { get; set; }
    public long? MinKb { get; set; }
    public long? LowKb { get; set; }
    public long? HighKb { get; set; }
    public long? ManagedKb { get; set; }
    /// <summary>Free blocks per order from the buddy line (<c>12*4kB (UME) 3*8kB ...</c>), index = order; null when not printed.</summary>
    public long[]? FreeBlocksByOrder { get; set; }
    public string Line { get; set; } = "";
    public string? BuddyLine { get; set; }
}
