namespace OomWarden.KernelLog.Model;

/// <summary>One row of the kernel's task table (<c>Tasks state (memory values in pages):</c>); null = column not printed by that kernel.</summary>
public sealed class TaskRow
{
    public long Pid { get; set; }
    public long? Uid { get; set; }
    public long? Tgid { get; set; }
    public long? TotalVmPages { get; set; }
    public long? RssPages { get; set; }
    public long? RssAnonPages { get; set; }
    public long? RssFilePages { get; set; }
    public long? RssShmemPages { get; set; }
    public long? PageTablesBytes { get; set; }
    public long? PtesCount { get; set; }
    public long? SwapEntries { get; set; }
    public long? OomAdj { get; set; }
    public long? OomScoreAdj { get; set; }
    public string Name { get; set; } = "";
    /// <summary>The row as printed (message part), for evidence: made from the report's stored bytes when first asked for.</summary>
    public string Line
    {
        get => _line ??= _store?.Text(_offset, _length) ?? "";
        set { _line = value; _store = null; }
    }

    private string? _line;
    private LineStore? _store;
    private int _offset, _length;

    /// <summary>Where the row's bytes are, when they are kept (and not yet made a string).</summary>
    internal bool TryPlace(out LineStore store, out int offset, out int length)
    {
        store = _store!;
        offset = _offset;
        length = _length;
        return _line is null && _store is not null;
    }

    /// <summary>As a new row (for its report's next use).</summary>
    internal void Reset()
    {
        Pid = 0;
        Uid = Tgid = TotalVmPages = RssPages = RssAnonPages = RssFilePages = RssShmemPages = null;
        PageTablesBytes = PtesCount = SwapEntries = OomAdj = OomScoreAdj = null;
        Name = "";
        _line = null;
        _store = null;
        _offset = _length = 0;
    }

    internal void SetLine(LineStore store, ReadOnlySpan<byte> line)
    {
        _store = store;
        _offset = store.Add(line);
        _length = line.Length;
        _line = null;
    }
}
