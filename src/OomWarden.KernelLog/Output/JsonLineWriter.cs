using System.Globalization;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace OomWarden.KernelLog.Output;

/// <summary>
/// A minimal UTF-8 JSON writer for one fixed-shape object per line, byte for byte what <see cref="Utf8JsonWriter"/>
/// writes with <see cref="JavaScriptEncoder.UnsafeRelaxedJsonEscaping"/> and no indentation (the tests compare the
/// two): property names arrive pre-encoded (<c>"name":</c>), commas come from one flag, and a string of printable
/// ASCII without <c>"</c> or <c>\</c> (nearly every value a kernel prints) is copied as bytes; any other string goes
/// through the encoder as <see cref="Utf8JsonWriter"/> would. No validation of the structure: the caller's code is
/// the schema.
/// </summary>
public sealed class JsonLineWriter
{
    public static readonly JavaScriptEncoder Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping;

    private byte[] _buf;
    private int _len;
    private int _comma; // 1 when the next value needs a comma before it: added to the length, not branched on

    public JsonLineWriter(int capacity = 16 * 1024) => _buf = new byte[capacity];

    public ReadOnlySpan<byte> Written => _buf.AsSpan(0, _len);

    public void Reset()
    {
        _len = 0;
        _comma = 0;
    }

    /// <summary>A property name as written before its value: <c>"name":</c> (the name must need no escaping).</summary>
    public static byte[] Name(string name) => Encoding.UTF8.GetBytes("\"" + name + "\":");

    public void StartObject() { Separator(); Byte((byte)'{'); _comma = 0; }
    public void StartObject(ReadOnlySpan<byte> name) => PropertyAndByte(name, (byte)'{');
    public void EndObject() { Byte((byte)'}'); _comma = 1; }
    public void StartArray(ReadOnlySpan<byte> name) => PropertyAndByte(name, (byte)'[');
    public void EndArray() { Byte((byte)']'); _comma = 1; }
    public void NewLine() { Byte((byte)'\n'); _comma = 0; }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Null(ReadOnlySpan<byte> name)
    {
        ref byte buf = ref Room(name.Length + 5);
        int at = Property(ref buf, name);
        Unsafe.WriteUnaligned(ref Unsafe.Add(ref buf, at), NullWord);
        _len = at + 4;
        _comma = 1;
    }

    public void Bool(ReadOnlySpan<byte> name, bool value) { Property(name); Raw(value ? "true"u8 : "false"u8); _comma = 1; }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Number(ReadOnlySpan<byte> name, long value)
    {
        // one check for the room of the comma, the name and the longest number (20: long.MinValue)
        ref byte buf = ref Room(name.Length + 21);
        _len = Digits(ref buf, Property(ref buf, name), value);
        _comma = 1;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Number(ReadOnlySpan<byte> name, long? value) { if (value is long v) Number(name, v); else Null(name); }

    public void NumberValue(long value)
    {
        ref byte buf = ref Room(21);
        Unsafe.Add(ref buf, _len) = (byte)',';
        _len = Digits(ref buf, _len + _comma, value);
        _comma = 1;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void String(ReadOnlySpan<byte> name, string? value)
    {
        if (value is null) { Null(name); return; }
        ref byte buf = ref Room(name.Length + 1);
        _len = Property(ref buf, name);
        Str(value);
        _comma = 1;
    }
    public void StringValue(string value) { Separator(); Str(value); _comma = 1; }

    /// <summary>
    /// A string value given as UTF-8 bytes, written when they are printable ASCII without <c>"</c> or <c>\</c> (then
    /// the same bytes as for their string); false, and nothing written, for anything else (write the string then).
    /// </summary>
    /// <summary><see cref="TryStringValue"/> under a property name: false, and nothing written, when the bytes need escaping.</summary>
    internal bool TryString(ReadOnlySpan<byte> name, ReadOnlySpan<byte> utf8)
    {
        ref byte buf = ref Room(name.Length + utf8.Length + 3);
        int at = Property(ref buf, name);
        Unsafe.Add(ref buf, at) = (byte)'"';
        if (!PlainCopy(ref Unsafe.Add(ref buf, at + 1), utf8)) return false; // written past _len only: nothing written
        Unsafe.Add(ref buf, at + 1 + utf8.Length) = (byte)'"';
        _len = at + utf8.Length + 2;
        _comma = 1;
        return true;
    }

    public bool TryStringValue(ReadOnlySpan<byte> utf8)
    {
        ref byte buf = ref Room(utf8.Length + 3);
        int at = _len;
        Unsafe.Add(ref buf, at) = (byte)',';
        at += _comma;
        Unsafe.Add(ref buf, at) = (byte)'"';
        if (!PlainCopy(ref Unsafe.Add(ref buf, at + 1), utf8)) return false; // what it copied is past _len: not written
        Unsafe.Add(ref buf, at + 1 + utf8.Length) = (byte)'"';
        _len = at + utf8.Length + 2;
        _comma = 1;
        return true;
    }

    /// <summary>
    /// Copies <paramref name="source"/> to <paramref name="dest"/> (room for it) while checking that every byte is printable ASCII other than <c>"</c> and
    /// <c>\</c>; false at the first block that holds another (the copy is then partial). One pass of 16-byte compares.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool PlainCopy(ref byte dest, ReadOnlySpan<byte> source)
    {
        int n = source.Length;
        ref byte from = ref MemoryMarshal.GetReference(source);
        if (n < 16)
        {
            for (int i = 0; i < n; i++)
            {
                byte b = Unsafe.Add(ref from, i);
                if (b < (byte)' ' || b > (byte)'~' || b == (byte)'"' || b == (byte)'\\') return false;
                Unsafe.Add(ref dest, i) = b;
            }
            return true;
        }
        var low = Vector128.Create((sbyte)' ');
        var del = Vector128.Create((sbyte)0x7f);
        var quote = Vector128.Create((sbyte)'"');
        var backslash = Vector128.Create((sbyte)'\\');
        for (int i = 0; ; i += 16)
        {
            if (i > n - 16) i = n - 16; // the last block overlaps the one before
            var v = Vector128.LoadUnsafe(ref Unsafe.As<byte, sbyte>(ref from), (nuint)i);
            // as signed bytes, below ' ' is a control character or a byte of 0x80 and above
            var bad = Vector128.LessThan(v, low) | Vector128.Equals(v, del) | Vector128.Equals(v, quote) | Vector128.Equals(v, backslash);
            if (bad != Vector128<sbyte>.Zero) return false;
            v.StoreUnsafe(ref Unsafe.As<byte, sbyte>(ref dest), (nuint)i);
            if (i == n - 16) return true;
        }
    }

    /// <summary>
    /// Opens a string value under <paramref name="name"/> whose content comes in pieces (<see cref="StringContent"/>,
    /// <see cref="TryStringContent"/>, <see cref="NumberContent"/>) until <see cref="EndString"/>; returns where it
    /// started, for <see cref="Undo"/>.
    /// </summary>
    internal int StartString(ReadOnlySpan<byte> name)
    {
        int start = _len;
        ref byte buf = ref Room(name.Length + 2);
        int at = Property(ref buf, name);
        Unsafe.Add(ref buf, at) = (byte)'"';
        _len = at + 1;
        return start;
    }

    /// <summary>Content of an open string: bytes that need no escaping (printable ASCII without <c>"</c> or <c>\</c>).</summary>
    internal void StringContent(ReadOnlySpan<byte> plain)
    {
        ref byte buf = ref Room(plain.Length);
        CopyShort(ref Unsafe.Add(ref buf, _len), plain);
        _len += plain.Length;
    }

    /// <summary>Content of an open string: <paramref name="value"/> when it needs no escaping; false when it does (what was written of it stays: <see cref="Undo"/> the value).</summary>
    internal bool TryStringContent(string value)
    {
        if (value.Length == 0) return true;
        // the values of findings come again as the same objects (a comm, a size, a path): their kept JSON is copied
        int slot = CacheSlot(value);
        if (ReferenceEquals(_kept[slot], value))
        {
            var json = _keptJson[slot]!;
            if (!_keptPlain[slot]) return false;
            ref byte to = ref Room(json.Length);
            CopyShort(ref Unsafe.Add(ref to, _len), json.AsSpan(1, json.Length - 2));
            _len += json.Length - 2;
            return true;
        }
        ref byte buf = ref Room(value.Length);
        int at = _len;
        for (int i = 0; i < value.Length; i++)
        {
            char c = value[i];
            if (c < ' ' || c > '~' || c == '"' || c == '\\') return false;
            Unsafe.Add(ref buf, at + i) = (byte)c;
        }
        _len = at + value.Length;
        return true; // not kept: a value seen only in findings (a new size, a pid) must not evict the names kept by Str
    }

    /// <summary>
    /// Content of an open string: <c>{tenths / 10}.{tenths % 10} MiB</c> for non-negative tenths (what
    /// <c>OomDiagnosis.MibText</c> gives), without making the string.
    /// </summary>
    internal void TenthsContent(long tenths, ReadOnlySpan<byte> unit)
    {
        ref byte buf = ref Room(24 + unit.Length);
        int end = Digits(ref buf, _len, tenths / 10);
        Unsafe.Add(ref buf, end) = (byte)'.';
        Unsafe.Add(ref buf, end + 1) = (byte)('0' + tenths % 10);
        CopyShort(ref Unsafe.Add(ref buf, end + 2), unit);
        _len = end + 2 + unit.Length;
    }

    /// <summary>Content of an open string: a number in decimal (as its invariant text).</summary>
    internal void NumberContent(long value)
    {
        ref byte buf = ref Room(20);
        _len = Digits(ref buf, _len, value);
    }

    internal void EndString()
    {
        Byte((byte)'"');
        _comma = 1;
    }

    /// <summary>Drops what was written since <paramref name="start"/> (a value begun with <see cref="StartString"/>).</summary>
    internal void Undo(int start) => _len = start;

    /// <summary>A number under a name not known in advance (a counter's name from the report), escaped as needed.</summary>
    public void Number(string name, long value)
    {
        Separator();
        Str(name);
        Byte((byte)':');
        ref byte buf = ref Room(20);
        _len = Digits(ref buf, _len, value);
        _comma = 1;
    }

    /// <summary>As <see cref="Utf8JsonWriter.WriteNumber(string, double)"/>: the shortest text that round-trips; NaN and infinities are refused.</summary>
    public void Number(ReadOnlySpan<byte> name, double value)
    {
        if (!double.IsFinite(value)) throw new ArgumentException("JSON has no NaN or infinity", nameof(value));
        if (value >= 1 && value < 1e9)
        {
            // A value of at most 6 decimals (an uptime): n / 10^k with the trailing zeros gone. When that fraction, correctly
            // rounded (n and 10^k are exact doubles: one division), is the value, it is the one decimal of at most 15
            // digits that maps to it, so the shortest text that round-trips: what the formatter writes. Else the formatter.
            long digits = (long)Math.Round(value * 1e6);
            int k = 6;
            while (k > 0 && digits % 10 == 0) { digits /= 10; k--; }
            if ((double)digits / Pow10Double[k] == value)
            {
                ref byte buf = ref Room(name.Length + 23);
                int at = Property(ref buf, name);
                int end = Digits(ref buf, at, digits);
                if (k > 0)
                {
                    // the point k digits from the right (value ≥ 1: a digit stays before it)
                    for (int i = end - 1; i >= end - k; i--) Unsafe.Add(ref buf, i + 1) = Unsafe.Add(ref buf, i);
                    Unsafe.Add(ref buf, end - k) = (byte)'.';
                    end++;
                }
                _len = end;
                _comma = 1;
                return;
            }
        }
        Property(name);
        int n;
        while (!value.TryFormat(_buf.AsSpan(_len), out n, default, CultureInfo.InvariantCulture)) Grow(64);
        _len += n;
        _comma = 1;
    }

    /// <summary>The comma when one is due and the name, at the end of the written bytes; the room must be there.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int Property(ref byte buf, ReadOnlySpan<byte> name)
    {
        int at = _len;
        Unsafe.Add(ref buf, at) = (byte)','; // overwritten by the name when no comma is due
        at += _comma;
        CopyShort(ref Unsafe.Add(ref buf, at), name);
        return at + name.Length;
    }

    private void Property(ReadOnlySpan<byte> name)
    {
        ref byte buf = ref Room(name.Length + 1);
        _len = Property(ref buf, name);
    }

    private void PropertyAndByte(ReadOnlySpan<byte> name, byte b)
    {
        ref byte buf = ref Room(name.Length + 2);
        int at = Property(ref buf, name);
        Unsafe.Add(ref buf, at) = b;
        _len = at + 1;
        _comma = 0;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Separator()
    {
        ref byte buf = ref Room(1);
        Unsafe.Add(ref buf, _len) = (byte)',';
        _len += _comma;
    }

    /// <summary>
    /// A copy of up to 32 bytes (every property name but a rare counter's) as two overlapping loads and stores of
    /// the width that fits, inline: a call to the library's copy costs more than the copy for these lengths.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CopyShort(ref byte dest, ReadOnlySpan<byte> source)
    {
        int n = source.Length;
        ref byte from = ref MemoryMarshal.GetReference(source);
        if (n >= 16)
        {
            if (n > 32)
            {
                Unsafe.CopyBlockUnaligned(ref dest, ref from, (uint)n);
                return;
            }
            Unsafe.WriteUnaligned(ref dest, Unsafe.ReadUnaligned<Vector128<byte>>(ref from));
            Unsafe.WriteUnaligned(ref Unsafe.Add(ref dest, n - 16), Unsafe.ReadUnaligned<Vector128<byte>>(ref Unsafe.Add(ref from, n - 16)));
        }
        else if (n >= 8)
        {
            Unsafe.WriteUnaligned(ref dest, Unsafe.ReadUnaligned<ulong>(ref from));
            Unsafe.WriteUnaligned(ref Unsafe.Add(ref dest, n - 8), Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref from, n - 8)));
        }
        else if (n >= 4)
        {
            Unsafe.WriteUnaligned(ref dest, Unsafe.ReadUnaligned<uint>(ref from));
            Unsafe.WriteUnaligned(ref Unsafe.Add(ref dest, n - 4), Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref from, n - 4)));
        }
        else
            for (int i = 0; i < n; i++) Unsafe.Add(ref dest, i) = Unsafe.Add(ref from, i);
    }

    private static uint NullWord
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => BitConverter.IsLittleEndian ? 0x6C6C756Eu : 0x6E756C6Cu; // "null" (folded by the compiler)
    }

    /// <summary>
    /// <paramref name="value"/> in decimal at <paramref name="at"/> (20 bytes of room), as long.TryFormat writes it with
    /// the invariant culture: its digits counted first, then written from the last, two at a time from a table.
    /// Returns the end.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Digits(ref byte buf, int at, long value)
    {
        if ((ulong)value < 10)
        {
            Unsafe.Add(ref buf, at) = (byte)('0' + value);
            return at + 1;
        }
        return value > 0 ? Positive(ref buf, at, (ulong)value) : Negative(ref buf, at, value);
    }

    private static int Positive(ref byte buf, int at, ulong value)
    {
        // digits: ⌊log10⌋ from ⌊log2⌋ (1233/4096 ≈ log10 2), one below for the values under the next power of ten
        int t = ((BitOperations.Log2(value) + 1) * 1233) >> 12;
        int end = at + t + (value >= Unsafe.Add(ref MemoryMarshal.GetReference(PowersOf10), t) ? 1 : 0);
        ref byte pairs = ref MemoryMarshal.GetReference(DigitPairs);
        int p = end;
        while (value >= 100)
        {
            ulong q = value / 100;
            p -= 2;
            Unsafe.WriteUnaligned(ref Unsafe.Add(ref buf, p), Unsafe.ReadUnaligned<ushort>(ref Unsafe.Add(ref pairs, (int)(value - q * 100) * 2)));
            value = q;
        }
        if (value >= 10) Unsafe.WriteUnaligned(ref Unsafe.Add(ref buf, p - 2), Unsafe.ReadUnaligned<ushort>(ref Unsafe.Add(ref pairs, (int)value * 2)));
        else Unsafe.Add(ref buf, p - 1) = (byte)('0' + value);
        return end;
    }

    private static int Negative(ref byte buf, int at, long value)
    {
        System.Buffers.Text.Utf8Formatter.TryFormat(value, MemoryMarshal.CreateSpan(ref Unsafe.Add(ref buf, at), 20), out int n);
        return at + n;
    }

    private static ReadOnlySpan<double> Pow10Double => [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000];

    private static ReadOnlySpan<ulong> PowersOf10 =>
    [
        1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000, 1_000_000_000, 10_000_000_000,
        100_000_000_000, 1_000_000_000_000, 10_000_000_000_000, 100_000_000_000_000, 1_000_000_000_000_000,
        10_000_000_000_000_000, 100_000_000_000_000_000, 1_000_000_000_000_000_000, 10_000_000_000_000_000_000,
    ];

    private static ReadOnlySpan<byte> DigitPairs =>
        "00010203040506070809101112131415161718192021222324252627282930313233343536373839404142434445464748495051525354555657585960616263646566676869707172737475767778798081828384858687888990919293949596979899"u8;

    // Strings that come again as the same object (remedies, codes, interned names and paths): their JSON form kept, so
    // the next time is one copy. A string becomes a candidate when first seen and is kept when seen again; one seen
    // once (a finding, a time stamp) only replaces the candidate of its slot, never a kept one.
    private const int CacheSlots = 256;
    private const int MaxCachedChars = 512; // a remedy is ~250: bounds the cache at 256 × 512 bytes
    private readonly string?[] _kept = new string?[CacheSlots];
    private readonly byte[]?[] _keptJson = new byte[]?[CacheSlots];
    private readonly string?[] _candidate = new string?[CacheSlots];
    private readonly bool[] _keptPlain = new bool[CacheSlots];

    private void Str(string value)
    {
        if (value.Length == 0)
        {
            Raw("\"\""u8);
            return;
        }
        int slot = CacheSlot(value);
        if (ReferenceEquals(_kept[slot], value))
        {
            // most kept forms are short (a comm, a format, a path): the inline copy, not a call
            var json = _keptJson[slot]!;
            ref byte buf = ref Room(json.Length);
            CopyShort(ref Unsafe.Add(ref buf, _len), json);
            _len += json.Length;
            return;
        }
        int start = _len;
        Encode(value);
        if (value.Length > MaxCachedChars) return;
        if (ReferenceEquals(_candidate[slot], value)) Keep(slot, value, _buf.AsSpan(start, _len - start).ToArray());
        else _candidate[slot] = value;
    }

    /// <summary>A non-empty string's slot in the cache of JSON forms.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int CacheSlot(string value) =>
        (int)((uint)(value.Length * 31 + value[0] * 7 + value[value.Length / 2] * 3 + value[^1]) * 2654435761u >> 24) & (CacheSlots - 1);

    private void Keep(int slot, string value, byte[] json)
    {
        _kept[slot] = value;
        _keptJson[slot] = json;
        // the JSON is the string's bytes between the quotes: it may go inside another string (TryStringContent)
        bool plain = json.Length == value.Length + 2;
        foreach (char c in value) plain &= c >= ' ' && c <= '~' && c != '"' && c != '\\';
        _keptPlain[slot] = plain;
        _candidate[slot] = null;
    }

    private void Encode(string value)
    {
        // printable ASCII without a quote or a backslash (nearly every value) is copied as it is (vectorised checks and copy)
        var chars = value.AsSpan();
        if (chars.IndexOfAnyExceptInRange(' ', '~') < 0 && chars.IndexOfAny('"', '\\') < 0)
        {
            Room(chars.Length + 2);
            var dest = _buf.AsSpan(_len, chars.Length + 2);
            dest[0] = (byte)'"';
            System.Text.Ascii.FromUtf16(chars, dest.Slice(1), out _);
            dest[^1] = (byte)'"';
            _len += chars.Length + 2;
            return;
        }
        Byte((byte)'"');
        Raw(JsonEncodedText.Encode(value, Encoder).EncodedUtf8Bytes);
        Byte((byte)'"');
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Byte(byte b)
    {
        if (_len == _buf.Length) Grow(1);
        _buf[_len++] = b;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Raw(ReadOnlySpan<byte> bytes)
    {
        Room(bytes.Length);
        bytes.CopyTo(_buf.AsSpan(_len));
        _len += bytes.Length;
    }

    /// <summary>The buffer's first byte, with room for <paramref name="more"/> bytes past the written ones.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ref byte Room(int more)
    {
        if (_buf.Length - _len < more) Grow(more);
        return ref MemoryMarshal.GetArrayDataReference(_buf);
    }

    private void Grow(int more) => Array.Resize(ref _buf, Math.Max(_buf.Length * 2, _len + more));
}
