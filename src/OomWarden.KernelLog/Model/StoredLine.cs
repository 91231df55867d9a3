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
