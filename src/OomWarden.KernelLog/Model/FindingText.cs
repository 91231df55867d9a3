using System.Runtime.CompilerServices;
using System.Text;
using OomWarden.KernelLog.Output;

namespace OomWarden.KernelLog.Model;

/// <summary>
/// The fixed text of a kind of finding with a <c>{}</c> where each value goes (in order), split once into its
/// pieces and their UTF-8 bytes.
/// </summary>
internal sealed class FindingTemplate
{
    internal readonly string[] Pieces;
    internal readonly byte[][] Utf8;
    /// <summary>Every piece is printable ASCII without <c>"</c> or <c>\</c>: its JSON is its bytes.</summary>
    internal readonly bool Plain;

    public FindingTemplate(string format)
    {
        Pieces = format.Split("{}");
        Utf8 = new byte[Pieces.Length][];
        Plain = true;
        for (int i = 0; i < Pieces.Length; i++)
        {
            Utf8[i] = Encoding.UTF8.GetBytes(Pieces[i]);
            foreach (char c in Pieces[i])
                if (c < ' ' || c > '~' || c == '"' || c == '\\') Plain = false;
        }
    }

    public int Values => Pieces.Length - 1;
}

/// <summary>
/// A finding as its template and values: the string (what the interpolated string of the same pieces gives) is made
/// only when someone reads it (the text output, a caller of the model); the JSON output writes the pieces and values
/// into the line (<see cref="WriteJson"/>), byte for byte what the string gives. Reused by pooled reports.
/// </summary>
internal sealed class FindingText
{
    private struct Value
    {
        public string? Text; // null: Number (tenths of MiB when Mib)
        public long Number;
        public bool Mib;
    }

    private FindingTemplate _template = null!;
    private Value[] _values = new Value[6];
    private int _count;

    public FindingText Start(FindingTemplate template)
    {
        _template = template;
        _count = 0;
        return this;
    }

    public FindingText Add(string value)
    {
        Slot().Text = value;
        return this;
    }

    public FindingText Add(long value)
    {
        ref var v = ref Slot();
        v.Text = null;
        v.Number = value;
        v.Mib = false;
        return this;
    }

    /// <summary>
    /// A size given in kB, as <c>OomDiagnosis.Mib</c> writes it: for 0 ≤ kb &lt; 10 GiB its tenths of MiB are kept and
    /// written as <c>OomDiagnosis.MibText</c> (no string); others as <paramref name="text"/>'s string.
    /// </summary>
    public FindingText AddMib(long kb, Func<long, string> text)
    {
        if (kb < 0 || kb >= 10L * 1024 * 1024) return Add(text(kb));
        ref var v = ref Slot();
        v.Text = null;
        v.Number = (10 * kb + 512) >> 10;
        v.Mib = true;
        return this;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ref Value Slot()
    {
        if (_count == _values.Length) Array.Resize(ref _values, _count * 2);
        return ref _values[_count++];
    }

    public void Clear()
    {
        Array.Clear(_values, 0, _count);
        _count = 0;
    }

    public override string ToString()
    {
        var t = _template;
        if (_count != t.Values) throw new InvalidOperationException($"{_count} values for a finding of {t.Values}");
        var h = new DefaultInterpolatedStringHandler(0, 0);
        for (int i = 0; i < _count; i++)
        {
            h.AppendLiteral(t.Pieces[i]);
            ref var v = ref _values[i];
            if (v.Text is { } s) h.AppendFormatted(s);
            else if (v.Mib)
            {
                // OomDiagnosis.MibText: $"{tenths / 10}.{tenths % 10} MiB"
                h.AppendFormatted(v.Number / 10);
                h.AppendLiteral(".");
                h.AppendFormatted(v.Number % 10);
                h.AppendLiteral(" MiB");
            }
            else h.AppendFormatted(v.Number);
        }
        h.AppendLiteral(t.Pieces[_count]);
        return h.ToStringAndClear();
    }

    /// <summary>The finding as a JSON string under <paramref name="name"/>: pieces and values written in place when all are plain, else its string.</summary>
    public void WriteJson(JsonLineWriter w, ReadOnlySpan<byte> name)
    {
        var t = _template;
        if (t.Plain && _count == t.Values)
        {
            int undo = w.StartString(name);
            int i = 0;
            for (; i < _count; i++)
            {
                w.StringContent(t.Utf8[i]);
                ref var v = ref _values[i];
                if (v.Text is { } s) { if (!w.TryStringContent(s)) break; }
                else if (v.Mib) w.TenthsContent(v.Number, " MiB"u8);
                else w.NumberContent(v.Number);
            }
            if (i == _count)
            {
                w.StringContent(t.Utf8[_count]);
                w.EndString();
                return;
            }
            w.Undo(undo); // a value that needs escaping: the string's JSON then
        }
        w.String(name, ToString());
    }
}
