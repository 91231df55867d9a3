using System.Text;

namespace OomWarden.KernelLog.Model;

/// <summary>
/// The bytes of report lines that only the diagnosis may quote (task-table rows, Mem-Info, zone and buddy lines, the
/// trigger, constraint, usage and kill lines: <see cref="StoredLine"/>): appended to one growing buffer per report,
/// made a string only when asked for. A report's lines then cost one buffer instead of a string each.
/// </summary>
internal sealed class LineStore
{
    // 1 KiB holds the rows of a memcg report; a global one (Mem-Info, zone and buddy lines) grows it to 4 KiB once
    private const int FreshBytes = 1024;
    private byte[] _buf;
    private int _len;

    // a global report's lines take ~2–4 KiB; a bigger buffer (hundreds of task rows) is not kept for the next report
    private const int MaxBytesKept = 16 * 1024;

    public LineStore() => _buf = new byte[FreshBytes];

    /// <summary>Empties the store for its report's next use; false when its buffer is too big to keep (drop the store then).</summary>
    public bool Clear()
    {
        _len = 0;
        return _buf.Length <= MaxBytesKept;
    }

    public int Add(ReadOnlySpan<byte> line)
    {
        if (_buf.Length - _len < line.Length) Array.Resize(ref _buf, Math.Max(_buf.Length * 2, _len + line.Length));
        int at = _len;
        line.CopyTo(_buf.AsSpan(at));
        _len += line.Length;
        return at;
    }

    public string Text(int offset, int length) => Encoding.UTF8.GetString(_buf, offset, length);

    public ReadOnlySpan<byte> Bytes(int offset, int length) => _buf.AsSpan(offset, length);
}
