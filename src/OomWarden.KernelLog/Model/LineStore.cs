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

    public LineStore() => _buf = new byte[FreshBytes];

    /// <summary>A store on a released report's buffer (or a fresh one).</summary>
    public LineStore(ReportPool pool) => _buf = pool.RentLineBuffer(FreshBytes);

    /// <summary>Gives the buffer back to <paramref name="pool"/>: the store is empty after (its report is no longer read).</summary>
    public void Recycle(ReportPool pool)
    {
        pool.Return(_buf);
        _buf = [];
        _len = 0;
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
