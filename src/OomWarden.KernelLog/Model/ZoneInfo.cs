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
    /// <summary>The zone line as printed: made from the report's stored bytes when first asked for.</summary>
    public string Line
    {
        get => _line ??= _lineLength >= 0 && _store is not null ? _store.Text(_lineAt, _lineLength) : "";
        set { _line = value; _lineLength = -1; }
    }

    /// <summary>The buddy line as printed, null when not printed: made from the report's stored bytes when first asked for.</summary>
    public string? BuddyLine
    {
        get => _buddyLine ??= _buddyLength >= 0 && _store is not null ? _store.Text(_buddyAt, _buddyLength) : null;
        set { _buddyLine = value; _buddyLength = -1; }
    }

    private LineStore? _store;
    private long[]? _spareBlocks;

    /// <summary>The blocks array of an earlier use of this zone (for the parser to fill again), once.</summary>
    internal long[]? TakeSpareBlocks()
    {
        var b = _spareBlocks;
        _spareBlocks = null;
        return b;
    }
    private string? _line, _buddyLine;
    private int _lineAt, _lineLength = -1, _buddyAt, _buddyLength = -1;

    /// <summary>As a new one (for its report's next use).</summary>
    internal void Reset()
    {
        Node = 0;
        Name = "";
        FreeKb = MinKb = LowKb = HighKb = ManagedKb = null;
        _spareBlocks = FreeBlocksByOrder ?? _spareBlocks; // the array of the zone's earlier use: taken again by the next buddy line
        FreeBlocksByOrder = null;
        _store = null;
        _line = _buddyLine = null;
        _lineAt = _buddyAt = 0;
        _lineLength = _buddyLength = -1;
    }

    // a zone printed again in the same report replaces its line: then it is a string, so the store grows once per zone
    internal void SetLine(LineStore store, ReadOnlySpan<byte> line)
    {
        if (_lineLength >= 0 || _line is not null) { Line = System.Text.Encoding.UTF8.GetString(line); return; }
        _store = store;
        _lineAt = store.Add(line);
        _lineLength = line.Length;
        _line = null;
    }

    internal void SetBuddyLine(LineStore store, ReadOnlySpan<byte> line)
    {
        if (_buddyLength >= 0 || _buddyLine is not null) { BuddyLine = System.Text.Encoding.UTF8.GetString(line); return; }
        _store = store;
        _buddyAt = store.Add(line);
        _buddyLength = line.Length;
        _buddyLine = null;
    }
}
