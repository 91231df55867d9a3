using System.Buffers.Binary;
using System.Collections;
using System.Text;
using OomWarden.KernelLog.Output;

namespace OomWarden.KernelLog.Model;

/// <summary>
/// A counter's name as every report of a log repeats it (<c>total_rss</c>, <c>active_anon</c>): one object per
/// name, with its JSON property (<c>"name":</c>) encoded once when the name needs no escaping, and a hash for the
/// duplicate check of the JSON writer. Made by <see cref="Of"/> (a fixed table of pairs of slots indexed by a hash of the bytes).
/// </summary>
public sealed class CounterName
{
    public string Text { get; }
    /// <summary><c>"name":</c> as UTF-8, or null when the name must go through the JSON escaping.</summary>
    internal byte[]? JsonProperty { get; }
    internal uint Hash { get; }

    private CounterName(string text, byte[]? json, uint hash)
    {
        Text = text;
        JsonProperty = json;
        Hash = hash;
    }

    private static readonly CounterName?[] Interned = new CounterName?[2048];

    /// <summary>
    /// The name for these bytes: the same object each time a log repeats it (a collision just makes a new one). The
    /// table is shared by threads: an entry is read once and compared in full before use.
    /// </summary>
    /// <summary>The name of a counter the diagnosis looks up (an ASCII literal).</summary>
    internal static CounterName Of(string name) => Of(Encoding.UTF8.GetBytes(name));

    internal static CounterName Of(ReadOnlySpan<byte> s)
    {
        ulong head = 0, tail = 0;
        if (s.Length >= 8)
        {
            head = BinaryPrimitives.ReadUInt64LittleEndian(s);
            tail = BinaryPrimitives.ReadUInt64LittleEndian(s.Slice(s.Length - 8));
        }
        else
            for (int i = 0; i < s.Length; i++) head = (head << 8) | s[i];
        ulong h = (head * 0x9E3779B97F4A7C15UL) ^ (tail * 0xC2B2AE3D27D4EB4FUL) ^ (ulong)s.Length;
        h ^= h >> 29;
        bool ascii = s.Length <= 32 && Ascii.IsValid(s);
        // two slots per hash (a pair of names that share one must not evict each other on every report)
        int slot = (int)(h & (ulong)(Interned.Length - 2));
        CounterName? first = null, second = null;
        if (ascii)
        {
            first = Volatile.Read(ref Interned[slot]);
            if (first is not null && first.Text.Length == s.Length && Ascii.Equals(s, first.Text)) return first;
            second = Volatile.Read(ref Interned[slot + 1]);
            if (second is not null && second.Text.Length == s.Length && Ascii.Equals(s, second.Text)) return second;
        }
        string text = Encoding.UTF8.GetString(s);
        // printable ASCII without a quote or a backslash is written as it is (what the writer's escaping gives it)
        bool plain = !s.IsEmpty && s.IndexOfAnyExceptInRange((byte)' ', (byte)'~') < 0 && s.IndexOfAny((byte)'"', (byte)'\\') < 0;
        // the writer's duplicate check compares names by text: bytes that are not ASCII may decode to the same text, so
        // those names share one hash (ASCII bytes are their text: the hash of the bytes is one of the text)
        uint hash = Ascii.IsValid(s) ? (uint)h : 0x2545F491u;
        var made = new CounterName(text, plain ? JsonLineWriter.Name(text) : null, hash);
        if (ascii) Volatile.Write(ref Interned[first is null || second is not null ? slot : slot + 1], made);
        return made;
    }
}

/// <summary>
/// Counters of a report in the order printed (memcg stats, Mem-Info pages): a name and a value each. A damaged report
/// may repeat a name: the first one counts for <see cref="Find"/> and the JSON output.
/// </summary>
public sealed class CounterList : IReadOnlyList<KeyValuePair<string, long>>
{
    public const int MaxCounters = 256;

    private (CounterName Name, long Value)[] _items = [];
    private int _count;

    public int Count => _count;

    public KeyValuePair<string, long> this[int index] =>
        (uint)index < (uint)_count ? new(_items[index].Name.Text, _items[index].Value) : throw new ArgumentOutOfRangeException(nameof(index));

    internal CounterName NameAt(int index) => _items[index].Name;
    internal long ValueAt(int index) => _items[index].Value;

    /// <summary>Adds a counter (ignored past <see cref="MaxCounters"/>); the first add makes room for <paramref name="expected"/>.</summary>
    internal void Add(CounterName name, long value, int expected)
    {
        if (_count >= MaxCounters) return;
        if (_count == _items.Length) Array.Resize(ref _items, _count == 0 ? expected : Math.Min(_count * 2, MaxCounters));
        _items[_count++] = (name, value);
    }

    public void Add(string name, long value) => Add(CounterName.Of(name), value, 32);

    /// <summary>The value of the first counter of that name, null when none: the hashes first, the text when they match.</summary>
    internal long? Find(CounterName name)
    {
        uint h = name.Hash;
        for (int i = 0; i < _count; i++)
        {
            var n = _items[i].Name;
            if (ReferenceEquals(n, name) || (n.Hash == h && n.Text == name.Text)) return _items[i].Value;
        }
        return null;
    }

    /// <summary><c>Find(a) ?? Find(b) ?? Find(c)</c> in one pass.</summary>
    internal long? FindFirst(CounterName a, CounterName b, CounterName c)
    {
        long? vb = null, vc = null;
        for (int i = 0; i < _count; i++)
        {
            var n = _items[i].Name;
            if (Same(n, a)) return _items[i].Value; // the first a wins whatever follows
            if (vb is null && Same(n, b)) vb = _items[i].Value;
            else if (vc is null && Same(n, c)) vc = _items[i].Value;
        }
        return vb ?? vc;

        static bool Same(CounterName n, CounterName key) => ReferenceEquals(n, key) || (n.Hash == key.Hash && n.Text == key.Text);
    }

    /// <summary>The value of the first counter of that name, null when none.</summary>
    public long? Find(string name)
    {
        for (int i = 0; i < _count; i++)
            if (_items[i].Name.Text == name) return _items[i].Value;
        return null;
    }

    /// <summary>The counters as one JSON object under <paramref name="property"/>: a repeated name is written once (its first value).</summary>
    internal void WriteJson(JsonLineWriter w, byte[] property)
    {
        w.StartObject(property);
        // a 256-bit filter of the names' hashes keeps the look-back for repeats to the names that may be one
        Span<ulong> filter = stackalloc ulong[4];
        for (int i = 0; i < _count; i++)
        {
            var name = _items[i].Name;
            uint h = name.Hash;
            int word = (int)(h >> 6) & 3, bit = (int)h & 63;
            bool seen = false;
            if ((filter[word] & (1UL << bit)) != 0)
                for (int j = 0; j < i && !seen; j++) seen = ReferenceEquals(_items[j].Name, name) || string.Equals(_items[j].Name.Text, name.Text, StringComparison.Ordinal);
            filter[word] |= 1UL << bit;
            if (seen) continue;
            if (name.JsonProperty is { } p) w.Number(p, _items[i].Value);
            else w.Number(name.Text, _items[i].Value);
        }
        w.EndObject();
    }

    public IEnumerator<KeyValuePair<string, long>> GetEnumerator()
    {
        for (int i = 0; i < _count; i++) yield return this[i];
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
