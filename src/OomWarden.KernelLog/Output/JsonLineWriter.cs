using System.Globalization;
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
    private bool _comma;

    public JsonLineWriter(int capacity = 16 * 1024) => _buf = new byte[capacity];

    public ReadOnlySpan<byte> Written => _buf.AsSpan(0, _len);

    public void Reset()
    {
        _len = 0;
        _comma = false;
    }

    /// <summary>A property name as written before its value: <c>"name":</c> (the name must need no escaping).</summary>
    public static byte[] Name(string name) => Encoding.UTF8.GetBytes("\"" + name + "\":");

    public void StartObject() { Separator(); Byte((byte)'{'); _comma = false; }
    public void StartObject(byte[] name) { Property(name); Byte((byte)'{'); _comma = false; }
    public void EndObject() { Byte((byte)'}'); _comma = true; }
    public void StartArray(byte[] name) { Property(name); Byte((byte)'['); _comma = false; }
    public void EndArray() { Byte((byte)']'); _comma = true; }
    public void NewLine() { Byte((byte)'\n'); _comma = false; }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Null(byte[] name) { Property(name); Raw("null"u8); _comma = true; }
    public void Bool(byte[] name, bool value) { Property(name); Raw(value ? "true"u8 : "false"u8); _comma = true; }
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Number(byte[] name, long value) { Property(name); Long(value); _comma = true; }
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Number(byte[] name, long? value) { if (value is long v) Number(name, v); else Null(name); }
    public void NumberValue(long value) { Separator(); Long(value); _comma = true; }
    public void String(byte[] name, string? value)
    {
        if (value is null) { Null(name); return; }
        Property(name);
        Str(value);
        _comma = true;
    }
    public void StringValue(string value) { Separator(); Str(value); _comma = true; }

    /// <summary>
    /// A string value given as UTF-8 bytes, written when they are printable ASCII without <c>"</c> or <c>\</c> (then
    /// the same bytes as for their string); false, and nothing written, for anything else (write the string then).
    /// </summary>
    public bool TryStringValue(ReadOnlySpan<byte> utf8)
    {
        if (utf8.IndexOfAnyExceptInRange((byte)' ', (byte)'~') >= 0 || utf8.IndexOfAny((byte)'"', (byte)'\\') >= 0) return false;
        Separator();
        Ensure(utf8.Length + 2);
        var dest = _buf.AsSpan(_len, utf8.Length + 2);
        dest[0] = (byte)'"';
        utf8.CopyTo(dest.Slice(1));
        dest[^1] = (byte)'"';
        _len += utf8.Length + 2;
        _comma = true;
        return true;
    }

    /// <summary>A number under a name not known in advance (a counter's name from the report), escaped as needed.</summary>
    public void Number(string name, long value)
    {
        Separator();
        Str(name);
        Byte((byte)':');
        Long(value);
        _comma = true;
    }

    /// <summary>As <see cref="Utf8JsonWriter.WriteNumber(string, double)"/>: the shortest text that round-trips; NaN and infinities are refused.</summary>
    public void Number(byte[] name, double value)
    {
        if (!double.IsFinite(value)) throw new ArgumentException("JSON has no NaN or infinity", nameof(value));
        Property(name);
        int n;
        while (!value.TryFormat(_buf.AsSpan(_len), out n, default, CultureInfo.InvariantCulture)) Grow(64);
        _len += n;
        _comma = true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Property(byte[] name)
    {
        Separator();
        Raw(name);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Separator()
    {
        if (_comma) Byte((byte)',');
    }

    private void Long(long value)
    {
        if ((ulong)value < 10)
        {
            Byte((byte)('0' + value));
            return;
        }
        // the shortest decimal form, as long.TryFormat writes it with the invariant culture, without its format dispatch
        Ensure(20);
        System.Buffers.Text.Utf8Formatter.TryFormat(value, _buf.AsSpan(_len), out int n);
        _len += n;
    }

    // Strings that come again as the same object (remedies, codes, interned names and paths): their JSON form kept, so
    // the next time is one copy. A string becomes a candidate when first seen and is kept when seen again; one seen
    // once (a finding, a time stamp) only replaces the candidate of its slot, never a kept one.
    private const int CacheSlots = 256;
    private const int MaxCachedChars = 512; // a remedy is ~250: bounds the cache at 256 × 512 bytes
    private readonly string?[] _kept = new string?[CacheSlots];
    private readonly byte[]?[] _keptJson = new byte[]?[CacheSlots];
    private readonly string?[] _candidate = new string?[CacheSlots];

    private void Str(string value)
    {
        if (value.Length == 0)
        {
            Raw("\"\""u8);
            return;
        }
        int slot = (int)((uint)(value.Length * 31 + value[0] * 7 + value[value.Length / 2] * 3 + value[^1]) * 2654435761u >> 24) & (CacheSlots - 1);
        if (ReferenceEquals(_kept[slot], value))
        {
            Raw(_keptJson[slot]!);
            return;
        }
        int start = _len;
        Encode(value);
        if (value.Length > MaxCachedChars) return;
        if (ReferenceEquals(_candidate[slot], value))
        {
            _kept[slot] = value;
            _keptJson[slot] = _buf.AsSpan(start, _len - start).ToArray();
            _candidate[slot] = null;
        }
        else _candidate[slot] = value;
    }

    private void Encode(string value)
    {
        // printable ASCII without a quote or a backslash (nearly every value) is copied as it is (vectorised checks and copy)
        var chars = value.AsSpan();
        if (chars.IndexOfAnyExceptInRange(' ', '~') < 0 && chars.IndexOfAny('"', '\\') < 0)
        {
            Ensure(chars.Length + 2);
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
        Ensure(bytes.Length);
        bytes.CopyTo(_buf.AsSpan(_len));
        _len += bytes.Length;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Ensure(int more)
    {
        if (_buf.Length - _len < more) Grow(more);
    }

    private void Grow(int more) => Array.Resize(ref _buf, Math.Max(_buf.Length * 2, _len + more));
}
