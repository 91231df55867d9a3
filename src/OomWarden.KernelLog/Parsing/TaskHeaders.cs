namespace OomWarden.KernelLog.Parsing;

/// <summary>
/// The last few task-table headers seen, with their text and columns: every report of a kernel prints the same
/// header, so a log (even one mixing a few kernels or hosts) parses each once instead of a list, an array and
/// strings per report. The columns arrays are shared and only read. Bounded: <see cref="Slots"/> headers of at
/// most <see cref="OomLogReader.MaxLineBytes"/> each.
/// </summary>
internal sealed class TaskHeaders
{
    private const int Slots = 4;
    private readonly byte[]?[] _bytes = new byte[Slots][];
    private readonly string[] _text = new string[Slots];
    private readonly string[]?[] _columns = new string[Slots][];
    private readonly byte[]?[] _codes = new byte[Slots][];
    private int _next;

    /// <summary>The header's text, its columns (null when unreadable) and what each column fills (<see cref="MessageParsers.ColumnCodes"/>).</summary>
    public (string Text, string[]? Columns, byte[]? Codes) Find(ReadOnlySpan<byte> header)
    {
        for (int i = 0; i < Slots; i++)
            if (_bytes[i] is { } b && header.SequenceEqual(b)) return (_text[i], _columns[i], _codes[i]);
        int slot = _next;
        _next = (_next + 1) % Slots;
        _bytes[slot] = header.ToArray();
        _text[slot] = Bytes.Text(header);
        _columns[slot] = MessageParsers.TaskHeader(header);
        _codes[slot] = _columns[slot] is { } c ? MessageParsers.ColumnCodes(c) : null;
        return (_text[slot], _columns[slot], _codes[slot]);
    }
}
