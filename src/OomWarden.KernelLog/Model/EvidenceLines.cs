using System.Collections;
using OomWarden.KernelLog.Output;

namespace OomWarden.KernelLog.Model;

/// <summary>
/// The evidence of a <see cref="Cause"/>: report lines quoted as their bytes in the report's <see cref="LineStore"/>
/// (a string only when one is read from the list: the text output, a caller of the model) or strings the
/// diagnosis made. The JSON output writes the bytes (<see cref="WriteJson"/>), byte for byte what the strings give.
/// </summary>
internal sealed class EvidenceLines : IReadOnlyList<string>
{
    private struct Entry
    {
        public string? Text;
        public LineStore? Store;
        public int At, Length;
    }

    private Entry[] _items = new Entry[2]; // most causes quote one or two lines
    private int _count;

    public int Count => _count;

    /// <summary>No lines (for its report's next use: the array is kept).</summary>
    public void Clear()
    {
        Array.Clear(_items, 0, _count);
        _count = 0;
    }

    public string this[int index]
    {
        get
        {
            if ((uint)index >= (uint)_count) throw new ArgumentOutOfRangeException(nameof(index));
            ref var e = ref _items[index];
            return e.Text ??= e.Store!.Text(e.At, e.Length);
        }
    }

    public EvidenceLines Add(string? line)
    {
        if (line is not null) Slot().Text = line;
        return this;
    }

    /// <summary>A line of the report (nothing when the report has none).</summary>
    public EvidenceLines Add(OomReport r, in StoredLine line)
    {
        if (line.TryPlace(out int at, out int length) && r.Store is { } store) Place(store, at, length);
        else Add(line.Get(r.Store));
        return this;
    }

    /// <summary>The kill line of <paramref name="k"/> (nothing when null).</summary>
    public EvidenceLines Add(KilledTask? k)
    {
        if (k is null) return this;
        if (k.LineText.TryPlace(out int at, out int length) && k.Store is { } store) Place(store, at, length);
        else Add(k.Line);
        return this;
    }

    /// <summary>The row's text (nothing when null).</summary>
    public EvidenceLines Add(TaskRow? row)
    {
        if (row is null) return this;
        if (row.TryPlace(out var store, out int at, out int length)) Place(store, at, length);
        else Add(row.Line);
        return this;
    }

    private void Place(LineStore store, int at, int length)
    {
        ref var e = ref Slot();
        e.Store = store;
        e.At = at;
        e.Length = length;
    }

    private ref Entry Slot()
    {
        if (_count == _items.Length) Array.Resize(ref _items, _count * 2);
        return ref _items[_count++];
    }

    /// <summary>The lines as JSON string values: the bytes copied when they need no escaping, else as their string.</summary>
    public void WriteJson(JsonLineWriter w)
    {
        for (int i = 0; i < _count; i++)
        {
            ref var e = ref _items[i];
            if (e.Text is not null) w.StringValue(e.Text);
            else if (!w.TryStringValue(e.Store!.Bytes(e.At, e.Length))) w.StringValue(this[i]);
        }
    }

    public IEnumerator<string> GetEnumerator()
    {
        for (int i = 0; i < _count; i++) yield return this[i];
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
