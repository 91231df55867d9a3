namespace OomWarden.KernelLog.Model;

/// <summary>
/// A report line kept as its bytes in the report's <see cref="LineStore"/>: a string only when someone asks for
/// one (the text output, a caller of the model); the JSON output writes the bytes. A value set as a string stays
/// one. The default value is "no line". A mutable struct: use it only as a field, never copy it.
/// </summary>
internal struct StoredLine
{
    private string? _text;
    private int _at;
    private int _lengthPlus1; // 0: no bytes

    public readonly bool HasValue => _text is not null || _lengthPlus1 != 0;

    /// <summary>The line as a string (made once), null when there is none.</summary>
    public string? Get(LineStore? store) =>
        _text ??= _lengthPlus1 == 0 || store is null ? null : store.Text(_at, _lengthPlus1 - 1);

    public void Set(string? value)
    {
        _text = value;
        _lengthPlus1 = 0;
    }

    public void Set(LineStore store, ReadOnlySpan<byte> line)
    {
        _at = store.Add(line);
        _lengthPlus1 = line.Length + 1;
        _text = null;
    }

    /// <summary>Where the line's bytes are in the store, when it is kept as bytes (and not yet made a string).</summary>
    public readonly bool TryPlace(out int at, out int length)
    {
        at = _at;
        length = _lengthPlus1 - 1;
        return _text is null && _lengthPlus1 != 0;
    }

    /// <summary>The line's bytes when it is kept as bytes (and not yet made a string).</summary>
    public readonly bool TryBytes(LineStore? store, out ReadOnlySpan<byte> bytes)
    {
        if (_text is null && _lengthPlus1 != 0 && store is not null)
        {
            bytes = store.Bytes(_at, _lengthPlus1 - 1);
            return true;
        }
        bytes = default;
        return false;
    }
}

/// <summary>
/// Report lines of one kind (Mem-Info, hugepages) kept as bytes in the report's <see cref="LineStore"/>, the list of
/// their strings made when first asked for. A mutable struct: use it only as a field, never copy it.
/// </summary>
internal struct StoredLines
{
    private int[]? _at; // offset and length of each line
    private int _count;
    private List<string>? _strings;

    public readonly int Count => _count;

    public void Add(LineStore store, ReadOnlySpan<byte> line)
    {
        if (_at is null) _at = new int[16];
        else if (2 * _count == _at.Length) Array.Resize(ref _at, _at.Length * 2);
        _at[2 * _count] = store.Add(line);
        _at[2 * _count + 1] = line.Length;
        _count++;
    }

    /// <summary>The lines as strings (one list, made again only after more lines came).</summary>
    public IReadOnlyList<string> Strings(LineStore? store)
    {
        if (_strings is null || _strings.Count != _count)
        {
            var list = new List<string>(_count);
            for (int i = 0; i < _count; i++) list.Add(store!.Text(_at![2 * i], _at[2 * i + 1]));
            _strings = list;
        }
        return _strings;
    }

    /// <summary>No lines (the array kept for the next use).</summary>
    public void Clear()
    {
        _count = 0;
        _strings = null;
    }
}
